"""Lodge, read, list, cancel, amend and move declarations through their lifecycle.

Every function here runs inside the caller's transaction, and every state change appends its
audit event in that same transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (ColumnElement, Select, and_, bindparam, event, false, func, insert, inspect, or_, select, true,
                        update)
from sqlalchemy.orm import Session, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from clearway.audit.service import append_event, append_rows, event_row
from clearway.auth.core import Principal, is_admin, is_declarant, is_officer
from clearway.db import COPY_FROM, advance_counters, id_batches, keyset_page, pipelined, utcnow
from clearway.containers.iso6346 import normalise as container_number
from clearway.declarations import core, store
from clearway.declarations.models import (Declaration, DeclarationContainer, DeclarationDocument, DeclarationItem,
                                          DeclarationVersion, StatusEvent)
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import ClearwayError, Conflict, FieldError, Forbidden, Invalid, NotFound
from clearway.validation import parse


def _refused(errors: Sequence[FieldError]) -> Invalid:
    return Invalid("the declaration was refused: see the listed fields", errors=list(errors))


def _insert(session: Session, decl: core.Checked, *, mrn: str, now: datetime, actor: str,
            channel: str) -> Declaration | None:
    """The new declaration, its children, first status and first version (declarations/store.py: a handful of
    statements, no read-back; its audit event is written when it is numbered, `number`). The row comes back
    persistent in the session, built from what was written, with its containers and history loaded; None
    (nothing written) if another transaction lodged the declarant's LRN meanwhile."""
    new = _new_rows(decl, mrn=mrn, channel=channel)
    head, boxes, data = new["head"], new["containers"], new["content"]
    written = store.insert_lodgement(session, **new, at=now, actor=actor)
    if written is None:
        return None
    new_id, status_id, box_ids = written
    row = _persistent(session, Declaration(id=new_id, **head, status="accepted", version=1, content=data,
                                           accepted_at=now, updated_at=now))
    set_committed_value(row, "containers", [
        _persistent(session, DeclarationContainer(id=i, declaration_id=new_id, container=c))
        for i, c in zip(box_ids, boxes)])
    set_committed_value(row, "history", [_persistent(session, StatusEvent(
        id=status_id, declaration_id=new_id, from_status=None, to_status="accepted", at=now, actor=actor,
        reason="lodged"))])
    touched(session).add(new_id)
    lodged_now(session)[new_id] = (new, now)  # its milestones from what was written, as lodge_set's
    return row


def _new_rows(decl: core.Checked, *, mrn: str, channel: str) -> dict[str, Any]:
    """A new declaration as declarations/store.py writes it: its head, content, items, containers and documents."""
    head = dict(mrn=mrn, lrn=decl.lrn, declarant_id=decl.declarant_id, type=decl.type, economy=decl.economy,
                office=decl.office, fingerprint=decl.digest, channel=channel)
    return dict(head=head, content=decl.content, items=list(decl.items), containers=list(decl.containers),
                documents=list(decl.documents))


def _accepted_event(*, lrn: str, office: str, mrn: str, digest: str, actor: str) -> dict[str, Any]:
    return event_row(actor=actor, action="declaration.accepted", entity_type="declaration", entity_id=mrn,
                     data={"lrn": lrn, "fingerprint": digest, "office": office})


def _persistent(session: Session, obj: Any) -> Any:
    """An object whose row was just written by SQL as it stands, made persistent without reading it back."""
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def touched(session: Session) -> set[int]:
    """The ids of the declarations this unit of work changed without an ORM object showing it (Core
    inserts), for the copies kept in step with them (the time-release milestones, flows/milestones.py)."""
    return session.info.setdefault("declarations.touched", set())


def lodged_now(session: Session) -> dict[int, tuple[dict[str, Any], datetime]]:
    """The declarations `lodge` and `lodge_set` inserted in this unit of work: id -> (its rows as written,
    `_new_rows`, and when). What is written is all their milestones hold (flows/milestones.py), so these are
    stored without reading them back, as long as nothing else touched them (the milestones' listeners drop any
    other change's declarations from here, and everything at a rollback, savepoints included)."""
    return session.info.setdefault("declarations.lodged", {})


def _may_lodge(principal: Principal, decl: core.Checked) -> None:
    if not is_declarant(principal):
        raise Forbidden("only a declarant key may lodge declarations")
    if decl.declarant_id != principal.party_id:
        raise Forbidden(f"this key lodges for declarant {principal.party_id!r}, not {decl.declarant_id!r}",
                        errors=[FieldError("declarant.id", "is not the party this key acts for")])
    if decl.economy != principal.economy:
        raise Forbidden(f"this key lodges in economy {principal.economy}, not {decl.economy}",
                        errors=[FieldError("economy", "is not the economy this key acts in")])


def _lodgeable(principal: Principal, decl: DeclarationIn | core.Checked, channel: str) -> core.Checked:
    """What lodging refuses before it reads the database (the channel, the key's right to lodge the declaration,
    its content against reference data), in that order; the declaration as lodging takes it."""
    if channel not in core.CHANNELS or channel == "unrecorded":
        raise Invalid("unknown channel", errors=[FieldError("channel", f"one of {', '.join(list(core.CHANNELS)[:-1])}")])
    found = decl if isinstance(decl, core.Checked) else core.checked(decl)
    _may_lodge(principal, found)
    if found.errors:
        raise _refused(found.errors)
    return found


def lodge(session: Session, *, principal: Principal, decl: DeclarationIn,
          channel: str = "api") -> tuple[Declaration, bool]:
    """(declaration, created). The same LRN with the same content returns the existing one;
    with other content it is refused. `channel`: how it reached Clearway (core.CHANNELS)."""
    row, created = lodge_unnumbered(session, principal=principal, decl=decl, channel=channel)
    if created:
        number(session, row)
    return row, created


PROVISIONAL = "~"  # the first character of an MRN not drawn yet: never committed (`number`, `_unnumbered_left`)


def lodge_unnumbered(session: Session, *, principal: Principal, decl: DeclarationIn | core.Checked,
                     channel: str = "api") -> tuple[Declaration, bool]:
    """`lodge`, a new declaration written with a provisional MRN: `number` draws its MRN later in this
    transaction. The office's counter row stays locked from the draw to the commit (PostgreSQL), so what can
    be done before the draw is done before it: the rows, the checks' reads, the milestones (flows.lodging). An
    LRN lodged meanwhile by another transaction is found at the insert, before any number is drawn."""
    found = _lodgeable(principal, decl, channel)
    digest = found.digest
    # An LRN lodged before is found first on SQLite (a read in-process); on PostgreSQL by the insert itself, which
    # writes nothing then (a round trip less for every new declaration, the common case).
    if session.get_bind().dialect.name != "postgresql":
        existing = _by_lrn(session, found.declarant_id or "", found.lrn)
        if existing is not None:
            return _same_or_conflict(session, existing, digest), False
    now = utcnow()
    mrn = _provisional()
    row = _insert(session, found, mrn=mrn, now=now, actor=principal.actor, channel=channel)
    if row is None:  # lodged before, or meanwhile by another transaction (PostgreSQL; SQLite: one writer at a time)
        existing = _by_lrn(session, found.declarant_id or "", found.lrn)
        if existing is None:  # lodged, then removed again before this read: a retry lodges it
            raise _being_lodged(found.lrn)
        return _same_or_conflict(session, existing, digest), False
    _unnumbered(session)[row.id] = _Unnumbered(mrn, found.office, now.year, found.lrn, digest, principal.actor)
    return row, True


def _provisional() -> str:
    return PROVISIONAL + secrets.token_hex(8)[:15]


class _Unnumbered(NamedTuple):
    """A declaration written under a provisional MRN: where and in which year its number is drawn, what its
    accepted audit event says (written once the MRN is final), and its own row where that is written only then
    (a batch's on PostgreSQL: store.insert_lodgements)."""

    provisional: str
    office: str
    year: int
    lrn: str
    digest: str
    actor: str
    row: dict[str, Any] | None = None


def _unnumbered(session: Session) -> dict[int, _Unnumbered]:
    """The declarations `lodge_unnumbered` and `lodge_set_unnumbered` wrote in this unit of work and
    `number_set` has not numbered yet, by id."""
    return session.info.setdefault("declarations.unnumbered", {})


def number(session: Session, row: Declaration) -> dict[str, str]:
    """Draw the MRN of a declaration `lodge_unnumbered` wrote (`number_set`), and set it on `row`."""
    mrns = number_set(session, [row.id])
    set_committed_value(row, "mrn", mrns[row.mrn])
    return mrns


def number_set(session: Session, ids: list[int]) -> dict[str, str]:
    """Draw the MRNs of declarations written unnumbered in this transaction (`ids` in the order they are
    numbered in), write them and the declarations' accepted events; {provisional MRN: MRN} for the audit events
    and findings the checks made meanwhile under the provisional ones. The counter rows are locked from the draw
    to the commit (PostgreSQL), so this is the last thing lodging writes but the checks' findings."""
    pending = _unnumbered(session)
    ids = [ident for ident in ids if ident in pending]  # (a batch's on SQLite were numbered as they were written)
    waiting = [pending.pop(ident) for ident in ids]
    mrns = _reserve_mrns(session, [(w.office, w.year) for w in waiting])
    # One round trip for a few (psycopg's pipeline); a batch's events go by COPY, which a pipeline does not take.
    with pipelined(session) if len(ids) < COPY_FROM else nullcontext():
        store.set_mrns(session, dict(zip(ids, mrns)), {ident: w.row for ident, w in zip(ids, waiting) if w.row})
        append_rows(session, [_accepted_event(lrn=w.lrn, office=w.office, mrn=mrn, digest=w.digest, actor=w.actor)
                              for w, mrn in zip(waiting, mrns)])
    return {w.provisional: mrn for w, mrn in zip(waiting, mrns)}


def numbered(rows: list[Unnumbered], mrns: dict[str, str]) -> list[Lodged | ClearwayError]:
    """`lodge_set_unnumbered`'s outcomes with the MRNs `number_set` drew in place of the provisional ones."""
    return [replace(row, mrn=mrns.get(row.mrn, row.mrn)) if isinstance(row, Lodged)
            else _conflict(row.lrn, mrns.get(row.mrn, row.mrn)) if isinstance(row, _Repeat) else row for row in rows]


def _unnumbered_left(session: Session) -> None:
    if _unnumbered(session):
        raise RuntimeError(f"declarations {sorted(_unnumbered(session))} were lodged but not numbered "
                           "(declarations.service.number): not committed")


def _forget_unnumbered(session: Session, *_: object) -> None:
    # A rollback (a savepoint's too) took them away: `number` always follows `lodge_unnumbered` in one call
    # (`lodge`, flows.lodging.lodge_checked), so no declaration of an outer, still open level is waiting.
    _unnumbered(session).clear()


event.listen(Session, "before_commit", _unnumbered_left)
event.listen(Session, "after_rollback", _forget_unnumbered)


def _by_lrn(session: Session, declarant_id: str, lrn: str) -> Declaration | None:
    """The declarant's declaration `lrn`, found by its key (store.by_lrn: PostgreSQL's declaration_keys) and read
    by its id (in its month's partition alone)."""
    ident = store.by_lrn(session, declarant_id=declarant_id, lrn=lrn)
    return None if ident is None else session.get(Declaration, ident)


def _same_or_conflict(session: Session, existing: Declaration, digest: str) -> Declaration:
    if existing.fingerprint != digest and _first_fingerprint(session, existing) != digest:
        raise _conflict(existing.lrn, existing.mrn)
    return existing


def _being_lodged(lrn: str) -> Conflict:
    """An LRN lodged by another transaction, then gone again (rolled back) before it could be read: a retry
    lodges it."""
    return Conflict(f"LRN {lrn!r} was being lodged by another request at the same time; send it again")


def _conflict(lrn: str, mrn: str) -> Conflict:
    return Conflict(f"LRN {lrn!r} was already used by this declarant for declaration {mrn} with different content; "
                    f"use a new LRN or amend {mrn}", mrn=mrn)


def _first_fingerprint(session: Session, existing: Declaration) -> str:
    # A retry of the original lodgement after an amendment is still the same request.
    first = session.scalars(select(DeclarationVersion.content).where(
        DeclarationVersion.declaration_id == existing.id, DeclarationVersion.version == 1)).one()
    return core.fingerprint(first)


@dataclass(frozen=True)
class Lodged:
    """One declaration of those `lodge_set` lodged together, as its answer and the lodging checks read it:
    `created` in this transaction (then with its economy, type, content, containers and when it was accepted), or
    lodged before."""

    id: int
    mrn: str
    lrn: str
    status: str
    created: bool
    economy: str = ""
    type: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    containers: tuple[str, ...] = ()
    at: datetime | None = None


@dataclass(frozen=True)
class _Repeat:
    """A line of a set that repeats an earlier line's LRN with other content: refused (409) with the earlier
    line's MRN, once that is drawn (`numbered`)."""

    lrn: str
    mrn: str


Unnumbered = Lodged | ClearwayError | _Repeat  # an outcome of `lodge_set_unnumbered`


def lodge_set(session: Session, *, principal: Principal, decls: list[DeclarationIn],
              channel: str = "api") -> list[Lodged | ClearwayError]:
    """`lodge` of many declarations at once, with `lodge`'s outcome for each as if they were lodged one after
    the other in this order (a refusal is returned, not raised): one query for the LRNs already used, one
    insert per table, one counter update per office and year for the MRNs. A refused declaration draws no
    MRN and writes nothing."""
    rows = lodge_set_unnumbered(session, principal=principal, decls=decls, channel=channel)
    return numbered(rows, number_set(session, [row.id for row in rows if isinstance(row, Lodged) and row.created]))


def lodge_set_unnumbered(session: Session, *, principal: Principal, decls: Sequence[DeclarationIn | core.Checked],
                         channel: str = "api") -> list[Unnumbered]:
    """`lodge_set`, the new declarations written under provisional MRNs: `number_set` draws theirs later in
    this transaction, in line order (as `lodge_unnumbered` and `number` for one), so that the counters' rows
    are locked only from the draw to the commit, not while the chunk's rows are written."""
    out: list[Unnumbered | None] = [None] * len(decls)
    checked: dict[int, core.Checked] = {}
    for i, decl in enumerate(decls):
        try:
            checked[i] = _lodgeable(principal, decl, channel)
        except ClearwayError as exc:
            out[i] = exc
    key = {i: (c.declarant_id or "", c.lrn) for i, c in checked.items()}
    last = session.get_bind().dialect.name == "postgresql"
    # A desk's few on PostgreSQL are inserted first: the insert skips an LRN lodged before (or meanwhile, once that
    # transaction commits), and only those it skipped are looked up, a round trip less for the common case
    # (store.KEYS_AND_CHILDREN_PG). Elsewhere the LRNs are looked up first, and only the new ones inserted.
    keys = set(key.values())
    look_first = not (last and len(keys) < store.FEW)
    known = _known(session, keys) if look_first else {}
    new: dict[tuple[str, str], int] = {}  # each LRN lodged by this set: the line that lodges it
    for i in checked:
        if key[i] not in known and key[i] not in new:
            new[key[i]] = i
    now = utcnow()
    # Where writers wait for a counter's row (PostgreSQL), the numbers are drawn last (`number_set`); SQLite writes
    # one transaction at a time, so there they are drawn first and written with the rows, not updated after.
    places = list(new.values())
    mrns = dict(zip(places, [_provisional() for _ in places] if last else
                    _reserve_mrns(session, [(checked[i].office, now.year) for i in places])))
    lodgements = [_new_rows(checked[i], mrn=mrns[i], channel=channel) for i in places]
    ids, later = store.insert_lodgements(session, lodgements, at=now, actor=principal.actor) if lodgements else ([], [])
    if None in ids:  # (a desk's few on PostgreSQL: LRNs lodged before, skipped by the insert)
        skipped = {key[i] for i, ident in zip(places, ids) if ident is None}
        known = _known(session, skipped)
        if skipped - known.keys():  # lodged by another transaction and gone again: a retry lodges it
            lrn = sorted(skipped - known.keys())[0][1]
            raise _being_lodged(lrn)
        kept = [k for k, ident in enumerate(ids) if ident is not None]
        places, lodgements = [places[k] for k in kept], [lodgements[k] for k in kept]
        ids, later = [ids[k] for k in kept], [later[k] for k in kept]
        new = {key[i]: i for i in places}
    amended = [known[key[i]][0] for i, c in checked.items() if key[i] in known and known[key[i]][3] != c.digest]
    firsts = {ident: core.fingerprint(data) for ident, data in store.first_contents(session, amended).items()}
    for i, c in checked.items():
        if key[i] in known:
            ident, mrn, status, current = known[key[i]]
            same = current == c.digest or firsts.get(ident) == c.digest
            out[i] = Lodged(ident, mrn, c.lrn, status, False) if same else _conflict(c.lrn, mrn)
    said = [(i, ident, dict(lrn=checked[i].lrn, office=checked[i].office, digest=checked[i].digest,
                            actor=principal.actor)) for i, ident in zip(places, ids)]
    if last:
        _unnumbered(session).update({ident: _Unnumbered(mrns[i], year=now.year, row=row, **event)
                                     for (i, ident, event), row in zip(said, later)})
    else:
        append_rows(session, [_accepted_event(mrn=mrns[i], **event) for i, _, event in said])
    touched(session).update(ids)
    lodged_now(session).update({ident: (one, now) for ident, one in zip(ids, lodgements)})
    for i, ident, one in zip(new.values(), ids, lodgements):
        c = checked[i]
        out[i] = Lodged(ident, mrns[i], c.lrn, "accepted", True, economy=c.economy, type=c.type,
                        content=one["content"], containers=c.containers, at=now)
    for i, c in checked.items():  # an LRN again, lodged by an earlier line of this set
        if out[i] is None:
            earlier = out[new[key[i]]]
            assert isinstance(earlier, Lodged)
            same = checked[new[key[i]]].digest == c.digest
            out[i] = Lodged(earlier.id, earlier.mrn, earlier.lrn, "accepted", False) if same \
                else _Repeat(c.lrn, earlier.mrn)
    return out  # type: ignore[return-value]  # every place is filled above


def _known(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str, str, str]]:
    """The declarations lodged before among `keys` (declarant, LRN): key -> (id, MRN, status, fingerprint)."""
    known: dict[tuple[str, str], tuple[int, str, str, str]] = {}
    for declarant in sorted({d for d, _ in keys}):
        found = store.known(session, declarant_id=declarant, lrns=[lrn for d, lrn in keys if d == declarant])
        known |= {(declarant, lrn): row for lrn, row in found.items()}
    return known


def _reserve_mrns(session: Session, offices: list[tuple[str, int]]) -> list[str]:
    """An MRN for each (office, year) of `offices`, numbered in list order within each office and year, by one
    counter update per office and year (`db.advance_counters`)."""
    by_counter: dict[str, list[int]] = {}
    for place, (office, year) in enumerate(offices):
        by_counter.setdefault(f"mrn:{office}:{year}", []).append(place)
    out = [""] * len(offices)
    drawn = advance_counters(session, {name: len(places) for name, places in by_counter.items()})
    for name, places in by_counter.items():
        for place, number in zip(places, drawn[name]):
            out[place] = core.make_mrn(offices[place][1], offices[place][0], number)
    return out


def readable_by(principal: Principal) -> ColumnElement[bool]:
    """The one access rule of declarations, deciding both what a key lists and what it reads: an
    admin sees every declaration, an officer those of its economy, a declarant its own in its economy,
    and any other role (an NPPO key) none."""
    kind, values = _access(principal)
    return _RULES[kind](values.__getitem__)


def _access(principal: Principal) -> tuple[str, dict[str, str]]:
    """Which form of `readable_by` applies to `principal`, and its values (the economy, the party)."""
    if is_admin(principal):
        return "all", {}
    if is_officer(principal):
        return "economy", {"economy": principal.economy}
    if is_declarant(principal) and principal.party_id:
        return "own", {"economy": principal.economy, "party": principal.party_id}
    return "none", {}


# Each form of the rule, given how to name a value: by itself (`readable_by`) or as a parameter (`get`).
_RULES: dict[str, Callable[[Callable[[str], Any]], ColumnElement[bool]]] = {
    "all": lambda _: true(), "none": lambda _: false(),
    "economy": lambda value: Declaration.economy == value("economy"),
    "own": lambda value: and_(Declaration.economy == value("economy"), Declaration.declarant_id == value("party")),
}
# `get`'s statements, built once for each form of the rule (SQLAlchemy then neither builds nor keys them again
# for each read: about 90 us of a read on PostgreSQL).
_GET: dict[tuple[str, bool, bool], Select[tuple[Declaration]]] = {}


def get(session: Session, *, principal: Principal, mrn: str, for_update: bool = False,
        with_history: bool = False) -> Declaration:
    """The declaration `mrn` as `principal` may read it. One refusal for not found and not visible, so that
    an answer never tells whether another party's MRN exists."""
    kind, values = _access(principal)
    stmt = _GET.get((kind, for_update, with_history))
    if stmt is None:
        stmt = select(Declaration).where(Declaration.mrn == bindparam("mrn"), _RULES[kind](bindparam))
        if for_update:
            stmt = stmt.with_for_update()
        if with_history:
            stmt = stmt.options(selectinload(Declaration.history))
        _GET[(kind, for_update, with_history)] = stmt
    row = session.scalars(stmt, {"mrn": mrn.upper(), **values}).one_or_none()
    if row is None:
        raise NotFound(f"no declaration {mrn}")
    return row


def list_declarations(session: Session, *, principal: Principal, status: str | None = None,
                      office: str | None = None, accepted_from: datetime | None = None,
                      accepted_to: datetime | None = None, limit: int = 50,
                      after: int | None = None, search: str | None = None) -> tuple[list[Declaration], int | None]:
    """Newest first, keyset-paginated: pass the returned cursor as `after` for the next page. `search`
    finds text inside the LRN or the MRN (case-insensitive)."""
    stmt = select(Declaration).where(readable_by(principal))
    if search and search.strip():
        text = search.strip()
        stmt = stmt.where(or_(Declaration.lrn.icontains(text, autoescape=True),
                              Declaration.mrn.icontains(text, autoescape=True)))
    if status:
        stmt = stmt.where(Declaration.status == status)
    if office:
        stmt = stmt.where(Declaration.office == office.upper())
    if accepted_from:
        stmt = stmt.where(Declaration.accepted_at >= accepted_from)
    if accepted_to:
        stmt = stmt.where(Declaration.accepted_at < accepted_to)
    return keyset_page(session, stmt, Declaration.id, limit=limit, after=after)


# A lifecycle step's two writes, built once and run as they stand (`transition`).
_SET_STATUS = (update(Declaration).where(Declaration.id == bindparam("declaration"))
               .values(status=bindparam("to_status"), updated_at=bindparam("at")))
_ADD_EVENT = insert(StatusEvent).values(
    declaration_id=bindparam("declaration"), from_status=bindparam("from_status"), to_status=bindparam("to_status"),
    at=bindparam("at"), actor=bindparam("actor"), reason=bindparam("reason"))


def transition(session: Session, *, row: Declaration, to_status: str, actor: str,
               reason: str | None = None, data: dict[str, Any] | None = None) -> None:
    """Move a declaration one step in its lifecycle (for the flows: assess, lane, release...)."""
    try:
        core.check_transition(row.status, to_status)
    except core.TransitionError as exc:
        raise Conflict(str(exc), current_status=row.status) from None
    now, from_status = utcnow(), row.status
    if row.id is not None and "history" in inspect(row).unloaded:
        # Two statements, not the unit of work's flush of the changed row and a new event (about 0.5 ms), nor a
        # read of the history just to add to it: whoever reads it later reads it with this event. What is
        # pending goes first, as a flush would write it; the milestones are told (`touched`).
        session.flush()
        values = {"declaration": row.id, "from_status": from_status, "to_status": to_status, "at": now,
                  "actor": actor, "reason": reason}
        conn = session.connection()
        conn.execute(_SET_STATUS, values)
        conn.execute(_ADD_EVENT, values)
        set_committed_value(row, "status", to_status)
        set_committed_value(row, "updated_at", now)
        touched(session).add(row.id)
        lodged_now(session).pop(row.id, None)  # changed since it was lodged: its milestones from its history
    else:
        row.history.append(StatusEvent(from_status=from_status, to_status=to_status, at=now, actor=actor,
                                       reason=reason))
        row.status = to_status
        row.updated_at = now
        session.flush()
    append_event(session, actor=actor, action=f"declaration.{to_status}", entity_type="declaration",
                 entity_id=row.mrn, data={"from": from_status, "reason": reason, **(data or {})})


def cancel(session: Session, *, principal: Principal, mrn: str, reason: str | None) -> Declaration:
    row = get(session, principal=principal, mrn=mrn, for_update=True)
    if row.status not in core.CANCELLABLE:
        raise Conflict(f"declaration {row.mrn} is {row.status} and can no longer be cancelled", current_status=row.status)
    transition(session, row=row, to_status="cancelled", actor=principal.actor, reason=reason or "cancelled")
    return row


def amend(session: Session, *, principal: Principal, mrn: str, reason: str,
          changes: dict[str, Any]) -> Declaration:
    """Apply a JSON merge patch; the previous version is kept. An assessed or laned declaration goes
    back to `accepted`, since its assessment no longer holds."""
    row = get(session, principal=principal, mrn=mrn, for_update=True)
    if not is_declarant(principal):
        raise Forbidden("only the declarant amends a declaration")
    if row.status not in core.AMENDABLE:
        raise Conflict(f"declaration {row.mrn} is {row.status} and can no longer be amended", current_status=row.status)
    merged = core.merge_patch(row.content, changes)
    fixed = core.fixed_field_changes(row.content, merged)
    if fixed:
        raise Invalid("these fields cannot be amended", errors=fixed)
    try:
        decl = parse(DeclarationIn, merged)
    except Invalid as exc:
        raise Invalid(exc.detail, errors=[FieldError(f"changes.{e.path}", e.reason) for e in exc.errors]) from None
    found = core.checked(decl)
    if found.errors:
        raise _refused([FieldError(f"changes.{e.path}", e.reason) for e in found.errors])
    data, digest = found.content, found.digest
    if digest == row.fingerprint:
        raise Invalid("the amendment changes nothing", errors=[FieldError("changes", "changes nothing")])
    now = utcnow()
    row.version += 1
    row.content, row.fingerprint, row.office, row.updated_at = data, digest, decl.office, now
    row.items = [DeclarationItem(**r) for r in found.items]
    row.containers = [DeclarationContainer(container=c) for c in found.containers]
    row.documents = [DeclarationDocument(**r) for r in found.documents]
    row.versions.append(DeclarationVersion(version=row.version, content=data, created_at=now,
                                           actor=principal.actor, reason=reason))
    session.flush()
    append_event(session, actor=principal.actor, action="declaration.amended", entity_type="declaration",
                 entity_id=row.mrn, data={"version": row.version, "reason": reason, "fingerprint": digest})
    if row.status != "accepted":
        transition(session, row=row, to_status="accepted", actor=principal.actor,
                   reason=f"amended (version {row.version}): to be assessed again")
    return row


def versions(session: Session, *, principal: Principal, mrn: str) -> list[DeclarationVersion]:
    row = get(session, principal=principal, mrn=mrn)
    return list(session.scalars(select(DeclarationVersion).where(DeclarationVersion.declaration_id == row.id)
                                .order_by(DeclarationVersion.version)))


def load_for_read(session: Session, *, principal: Principal, mrn: str) -> Declaration:
    """As `get`, with the history loaded for rendering."""
    return get(session, principal=principal, mrn=mrn, with_history=True)


def by_container(session: Session, *, container: str, open_only: bool = True) -> list[Declaration]:
    """Declarations whose current version carries this container (not yet released, by default)."""
    # IN (subquery) rather than DISTINCT: PostgreSQL has no equality operator for the JSON content column.
    carrying = select(DeclarationContainer.declaration_id).where(
        DeclarationContainer.container == container_number(container))
    stmt = select(Declaration).where(Declaration.id.in_(carrying))
    if open_only:
        stmt = stmt.where(Declaration.status.not_in(core.FINAL))
    return list(session.scalars(stmt.order_by(Declaration.id)))


def by_document(session: Session, *, reference: str, type: str | None = None) -> list[Declaration]:
    citing = select(DeclarationDocument.declaration_id).where(DeclarationDocument.reference == reference)
    if type:
        citing = citing.where(DeclarationDocument.type == type)
    return list(session.scalars(select(Declaration).where(Declaration.id.in_(citing)).order_by(Declaration.id)))


def by_id(session: Session, declaration_id: int) -> Declaration:
    return session.get_one(Declaration, declaration_id)


def entered(session: Session, *, declaration_ids: list[int] | Select[Any], status: str) -> dict[int, datetime]:
    """When each declaration last moved to `status` (e.g. since when it waits under control); `declaration_ids`
    is a list or a subquery of ids."""
    out: dict[int, datetime] = {}
    for part in id_batches(declaration_ids):
        out |= {ident: at for ident, at in session.execute(
            select(StatusEvent.declaration_id, func.max(StatusEvent.at))
            .where(StatusEvent.declaration_id.in_(part), StatusEvent.to_status == status)
            .group_by(StatusEvent.declaration_id))}
    return out
