"""Load, check, store: commitments and projects, each change appended to the audit chain in the same
transaction (who, when, the entry before and after). Reads are public: a TFA stock-take is what the
economies publish (their WTO notifications are public documents)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event, history
from clearway.auth.core import Principal, administers, is_admin
from clearway.db import utcnow
from clearway.errors import FieldError, Forbidden, Invalid, NotFound
from clearway.reference import economies
from clearway.tfa import core, evidence, matching, measures
from clearway.tfa.models import TfaCommitment, TfaProject
from clearway.tfa.schemas import CommitmentIn, ProjectIn

COMMITMENT = "tfa_commitment"
PROJECT = "tfa_project"
_COMMITMENT_FIELDS = tuple(CommitmentIn.model_fields)
_PROJECT_FIELDS = tuple(ProjectIn.model_fields)


def may_register_projects(principal: Principal) -> bool:
    """The projects registry is shared: any economy's admin keeps it (each change records who)."""
    return is_admin(principal)


def check_measure(measure: str, path: str = "measure") -> str:
    found = measures.get(measure)
    if found is None:
        raise Invalid(f"{measure!r} is not a TFA Section I measure",
                      errors=[FieldError(path, "is not one of the 36 TFA measures (e.g. 7.1, 10.4, 3)")])
    return found.id


def to_core(row: TfaCommitment) -> core.Commitment:
    return core.Commitment(row.economy, row.measure, row.category, row.status, row.percent, row.indicative_date,
                           row.definitive_date, row.priority, row.ta_needed, row.evidence)


def project_to_core(row: TfaProject) -> matching.Project:
    return matching.Project(row.code, row.title, row.donor, tuple(row.measures), tuple(row.eligible), row.modality,
                            row.status, row.start, row.end)


def _values(obj: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def put_commitment(session: Session, *, principal: Principal | None, actor: str, economy: str, measure: str,
                   body: CommitmentIn, illustrative: bool = False) -> tuple[TfaCommitment, bool]:
    """Create or replace one economy's entry for one measure: (row, created). `principal` None is the
    command line (the installation's operator); a key must be the admin of that economy."""
    economy, measure = economies.checked(economy), check_measure(measure)
    if principal is not None and not administers(principal, economy):
        raise Forbidden(f"only the admin of {economy} edits {economy}'s entries",
                        errors=[FieldError("economy", f"is not the economy this key administers ({principal.economy})")])
    body.entry(economy, measure)
    row = session.scalars(select(TfaCommitment).where(TfaCommitment.economy == economy,
                                                      TfaCommitment.measure == measure)).one_or_none()
    before = None if row is None else _values(row, _COMMITMENT_FIELDS) | {"illustrative": row.illustrative}
    created = row is None
    if row is None:
        row = TfaCommitment(economy=economy, measure=measure)
        session.add(row)
    for name, value in body.model_dump().items():
        setattr(row, name, value)
    row.illustrative, row.updated_at, row.updated_by = illustrative, utcnow(), actor
    session.flush()
    after = _values(row, _COMMITMENT_FIELDS) | {"illustrative": illustrative}
    append_event(session, actor=actor, action="tfa.commitment." + ("created" if created else "changed"),
                 entity_type=COMMITMENT, entity_id=f"{economy}:{measure}", data={"before": before, "after": after})
    return row, created


def commitments(session: Session, *, economy: str | None = None) -> list[TfaCommitment]:
    q = select(TfaCommitment)
    if economy is not None:
        q = q.where(TfaCommitment.economy == economies.checked(economy))
    rows = session.scalars(q).all()
    return sorted(rows, key=lambda r: (r.economy, measures.sort_key(r.measure)))


def commitment(session: Session, *, economy: str, measure: str) -> TfaCommitment:
    economy, measure = economies.checked(economy), check_measure(measure)
    row = session.scalars(select(TfaCommitment).where(TfaCommitment.economy == economy,
                                                      TfaCommitment.measure == measure)).one_or_none()
    if row is None:
        raise NotFound(f"{economy} has entered nothing for measure {measure}")
    return row


def commitment_history(session: Session, *, economy: str, measure: str) -> list[dict[str, Any]]:
    """Every change of one entry, oldest first, from the audit chain: at, actor, action, before, after."""
    row = commitment(session, economy=economy, measure=measure)
    return history(session, entity_type=COMMITMENT, entity_id=f"{row.economy}:{row.measure}")


def project_history(session: Session, *, code: str) -> list[dict[str, Any]]:
    return history(session, entity_type=PROJECT, entity_id=project(session, code=code).code)


def check_code(code: str) -> str:
    value = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9._-]{0,39}", value):
        raise Invalid(f"{code!r} is not a project code",
                      errors=[FieldError("code", "must be 1-40 letters, digits, '.', '_' or '-', e.g. WCO-TRS-2026")])
    return value


def put_project(session: Session, *, principal: Principal | None, actor: str, code: str, body: ProjectIn,
                illustrative: bool = False) -> tuple[TfaProject, bool]:
    code = check_code(code)
    if principal is not None and not may_register_projects(principal):
        raise Forbidden("only an admin keeps the capacity-building projects registry")
    bad = [FieldError(f"measures[{i}]", "is not one of the 36 TFA measures (e.g. 7.1, 10.4, 3)")
           for i, m in enumerate(body.measures) if measures.get(m) is None]
    bad += [FieldError(f"eligible[{i}]", "is not one of the 21 APEC economy codes")
            for i, e in enumerate(body.eligible) if economies.get(e) is None]
    if body.start and body.end and body.end < body.start:
        bad.append(FieldError("end", f"is before start ({body.start.isoformat()})"))
    if bad:
        raise Invalid(f"project {code} cannot be stored", errors=bad)
    row = session.scalars(select(TfaProject).where(TfaProject.code == code)).one_or_none()
    before = None if row is None else _values(row, _PROJECT_FIELDS)
    created = row is None
    if row is None:
        row = TfaProject(code=code)
        session.add(row)
    values = body.model_dump()
    values["measures"] = sorted({measures.get(m).id for m in body.measures}, key=measures.sort_key)
    values["eligible"] = sorted(set(body.eligible))
    for name, value in values.items():
        setattr(row, name, value)
    row.illustrative, row.updated_at, row.updated_by = illustrative, utcnow(), actor
    session.flush()
    append_event(session, actor=actor, action="tfa.project." + ("created" if created else "changed"),
                 entity_type=PROJECT, entity_id=code, data={"before": before, "after": _values(row, _PROJECT_FIELDS)})
    return row, created


def projects(session: Session) -> list[TfaProject]:
    return list(session.scalars(select(TfaProject).order_by(TfaProject.code)).all())


def project(session: Session, *, code: str) -> TfaProject:
    row = session.scalars(select(TfaProject).where(TfaProject.code == code.strip().upper())).one_or_none()
    if row is None:
        raise NotFound(f"no capacity-building project {code!r}")
    return row


def ranking(session: Session, *, economy: str, today: date) -> matching.Ranking:
    economy = economies.checked(economy)
    return matching.rank([to_core(r) for r in commitments(session, economy=economy)],
                         [project_to_core(p) for p in projects(session)], economy=economy, today=today)


def gaps(session: Session, *, today: date) -> list[matching.Gap]:
    return matching.gaps([to_core(r) for r in commitments(session)], [project_to_core(p) for p in projects(session)],
                         today=today)


def stocktake(session: Session, *, economy: str, today: date) -> dict[str, Any]:
    """One economy's commitments, those overdue and those whose Art. 17 notice is due, its implementation
    rate by category, and the live evidence from its own data."""
    economy = economies.checked(economy)
    rows = commitments(session, economy=economy)
    entries = [to_core(r) for r in rows]
    by_measure = {r.measure: r for r in rows}
    return {"economy": economy, "today": today, "rows": rows,
            "overdue": [(by_measure[o.commitment.measure], o) for o in core.overdue(entries, today=today)],
            "early_warning": [by_measure[c.measure] for c, _ in core.early_warning_due(entries, today=today)],
            "rates": core.rate_by_category(entries), "evidence": evidence.live(session, economy=economy)}


def heat_map(session: Session) -> tuple[list[str], list[str], list[list[core.Cell]]]:
    """(economies with entries, the 36 measures, the grid)."""
    entries = [to_core(r) for r in commitments(session)]
    codes = sorted({c.economy for c in entries})
    ids = list(measures.all_measures())
    return codes, ids, core.heat_map(entries, economies=codes, measures=ids)


def needing(session: Session, *, measure: str) -> list[TfaCommitment]:
    """The economies that have not implemented one measure, earliest due first."""
    measure = check_measure(measure)
    rows = {r.economy: r for r in session.scalars(select(TfaCommitment).where(TfaCommitment.measure == measure))}
    return [rows[c.economy] for c in core.still_needed([to_core(r) for r in rows.values()], measure=measure)]


def load(session: Session, *, rows: Sequence[tuple[str, str, CommitmentIn]], actor: str,
         illustrative: bool = False) -> dict[str, int]:
    """Store every row of a loaded file in the caller's transaction: all of them or (on any refusal) none."""
    counts = {"created": 0, "changed": 0}
    for economy, measure, body in rows:
        _, created = put_commitment(session, principal=None, actor=actor, economy=economy, measure=measure, body=body,
                                    illustrative=illustrative)
        counts["created" if created else "changed"] += 1
    return counts
