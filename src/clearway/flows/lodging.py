"""Lodging as a flow: register the declaration, then run the document and security checks that
other domains own (ePhyto match, seal alerts on its containers). Their findings force a lane and
block automatic release until cleared. One transaction: the declaration and its findings land together."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from clearway.audit.service import append_rows, renamed
from clearway.auth.core import Principal
from clearway.controls import service as controls
from clearway.declarations import service as declarations
from clearway.declarations.core import Checked
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationIn
from clearway.db import database_unavailable, transaction
from clearway.errors import ClearwayError
from clearway.flows import milestones, preparing
from clearway.flows.preparing import HERE, Helpers, Line, Made, Ready
from clearway.flows.ephyto_check import check_declaration as certificates_check, check_new as certificates_check_new
from clearway.flows.seals import seals_check, seals_check_new
from clearway.validation import parse

SYSTEM = "system:checks"
_log = logging.getLogger("clearway")

# Every check that looks at a declaration's content, in order, for a declaration changed (amended); each raises or
# closes its own findings. certificates_check: the ePhyto document check; seals_check: a declaration lodged (or
# amended) after an alert was raised on one of its containers gets the alert's finding too.
CHECKS = (certificates_check, seals_check)
# The same checks for declarations just lodged (one, or a batch's together), which hold no findings yet: each reads
# what it needs for all of them at once and skips those it cannot find anything on; it returns the audit events and
# findings to write, written below for all.
NEW_CHECKS = (certificates_check_new, seals_check_new)


def run_checks(session: Session, *, row: Declaration) -> None:
    """Run every check in CHECKS on a declaration changed in this transaction (amended)."""
    for check in CHECKS:
        check(session, row=row, actor=SYSTEM)


def _gather(session: Session, rows: list[declarations.Lodged]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the checks of NEW_CHECKS find on declarations lodged in this transaction (one, or a batch's
    together): (audit events, findings) as `run_checks` would give each (per declaration in the same order: the
    checks' events, then the findings), nothing written yet."""
    events: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for check in NEW_CHECKS:
        more_events, more_findings = check(session, rows=rows, actor=SYSTEM)
        events += more_events
        findings += more_findings
    return events, findings


def _record(session: Session, events: list[dict[str, Any]], findings: list[dict[str, Any]],
            mrns: dict[str, str] | None = None) -> list[controls.Raised]:
    """Write what `_gather` found; `mrns`: {provisional MRN: MRN} of declarations numbered since (their events
    and findings are about the MRN drawn). The findings raised, as written."""
    if mrns:
        events = [renamed(e, mrns[e["entity_id"]]) if e["entity_id"] in mrns else e for e in events]
        findings = [{**f, "mrn": mrns.get(f["mrn"], f["mrn"])} for f in findings]
    append_rows(session, events)
    return controls.raise_on_new(session, findings=findings, actor=SYSTEM)


def lodge(session: Session, *, principal: Principal, decl: DeclarationIn,
          channel: str = "api") -> tuple[Declaration, bool]:
    row, created, _ = lodge_checked(session, principal=principal, decl=decl, channel=channel)
    return row, created


def lodge_checked(session: Session, *, principal: Principal, decl: DeclarationIn,
                  channel: str = "api") -> tuple[Declaration, bool, list[controls.Raised]]:
    """(declaration, created, the findings the checks raised on it): what the API needs to answer without
    reading the findings back (a declaration lodged before: none raised now). The checks read what they need
    before the MRN is drawn (see declarations.service.lodge_unnumbered), and what they found is written after."""
    row, created = declarations.lodge_unnumbered(session, principal=principal, decl=decl, channel=channel)
    if not created:
        return row, False, []
    _, raised = _checked_and_numbered(session, [declarations.Lodged(
        row.id, row.mrn, row.lrn, row.status, True, economy=row.economy, type=row.type, content=row.content,
        containers=tuple(c.container for c in row.containers))], number=lambda: declarations.number(session, row))
    return row, True, raised


def _checked_and_numbered(session: Session, rows: list[declarations.Lodged],
                          number: Callable[[], dict[str, str]]) -> tuple[dict[str, str], list[controls.Raised]]:
    """What follows the rows of declarations lodged unnumbered (one, or a batch's chunk), in this order: the
    checks' reads, the milestones (what the commit would write), then `number` draws the MRNs (the counters are
    locked from there to the commit), then what the checks found is written under them. ({provisional MRN:
    MRN}, the findings raised.)"""
    found = _gather(session, rows)
    milestones.store_pending(session)
    mrns = number()
    return mrns, _record(session, *found, mrns=mrns)


def amend(session: Session, *, principal: Principal, mrn: str, reason: str, changes: dict[str, Any]) -> Declaration:
    row = declarations.amend(session, principal=principal, mrn=mrn, reason=reason, changes=changes)
    run_checks(session, row=row)
    return row


# ---- batches ---------------------------------------------------------------------------------------

def _lodge_line(session: Session, principal: Principal, line: int, given: Any, channel: str) -> dict[str, Any]:
    """One line in its own savepoint: a refused line leaves nothing behind, whatever step refused it."""
    doc = preparing.document(given)
    if isinstance(doc, str):
        return preparing.refused(line, None, doc)
    lrn = preparing.lrn_of(doc)
    try:
        with session.begin_nested():
            row, created, _ = lodge_checked(session, principal=principal, decl=parse(DeclarationIn, doc), channel=channel)
    except ClearwayError as exc:
        return preparing.refused(line, lrn, exc)
    return {"line": line, "lrn": row.lrn, "mrn": row.mrn, "status": row.status,
            "outcome": "accepted" if created else "already lodged"}


class _Turn:
    """When a batch's chunk may draw its numbers: once the chunk before it has drawn its own (or ended), so that
    the numbers follow the lines when chunks are lodged at once. `drawn` is set when this chunk has."""

    def __init__(self, before: _Turn | None) -> None:
        self.before, self.drawn = before, threading.Event()

    def wait(self, timeout: float | None = None) -> None:
        if self.before is not None and not self.before.drawn.wait(timeout):
            raise TimeoutError(f"the chunk before drew no numbers in {timeout} s")


# How long a chunk waits, holding its rows, for the chunk before to draw its numbers. The wait ends sooner but
# for one case: the chunk before waits for this one's rows (an LRN of both, written here first), and the two
# would wait for each other. This chunk then gives up its rows and is lodged line by line after the other.
TURN_WAIT = 10.0


def lodge_together(session: Session, *, principal: Principal, decls: Sequence[DeclarationIn | Checked],
                   channel: str = "api",
                   turn: _Turn | None = None) -> tuple[list[declarations.Lodged | ClearwayError], list[controls.Raised]]:
    """Declarations lodged together in this transaction (declarations.service.lodge_set_unnumbered and
    NEW_CHECKS), each with the outcome `lodge_checked` gives it as if they were lodged one after the other in this
    order: its Lodged, numbered, or its refusal (returned, not raised; nothing of it written). And the findings the
    checks raised on them, as written. `turn`: when the numbers may be drawn (`lodge_chunks`)."""
    lodged = declarations.lodge_set_unnumbered(session, principal=principal, decls=decls, channel=channel)
    new = [row for row in lodged if isinstance(row, declarations.Lodged) and row.created]

    def number() -> dict[str, str]:
        if turn is not None:
            turn.wait(TURN_WAIT)
        drawn = declarations.number_set(session, [r.id for r in new])
        if turn is not None:
            turn.drawn.set()
        return drawn

    mrns, raised = _checked_and_numbered(session, new, number=number)
    return declarations.numbered(lodged, mrns), raised


def _lodge_set(session: Session, principal: Principal, part: list[Ready], channel: str,
               turn: _Turn | None = None) -> list[dict[str, Any]]:
    """The lines of one chunk lodged together (`lodge_together`), each with the result `_lodge_line` gives it;
    nothing of a refused line is written. `turn`: when the chunk's numbers may be drawn (`lodge_chunks`)."""
    results: list[dict[str, Any] | None] = [None] * len(part)
    ready: list[tuple[int, Checked]] = []
    for k, (_, _, _, made) in enumerate(part):
        if isinstance(made, Checked):
            ready.append((k, made))
        else:
            results[k] = made
    lodged, _ = lodge_together(session, principal=principal, decls=[c for _, c in ready], channel=channel, turn=turn)
    for (k, _), row in zip(ready, lodged):
        line, _, lrn, _ = part[k]
        results[k] = preparing.refused(line, lrn, row) if isinstance(row, ClearwayError) else {
            "line": line, "lrn": row.lrn, "mrn": row.mrn, "status": row.status,
            "outcome": "accepted" if row.created else "already lodged"}
    return results  # type: ignore[return-value]  # every place is filled above


def lodge_many(factory: sessionmaker[Session], *, principal: Principal, lines: Iterable[Line],
               chunk: int | None = None, channel: str = "api", helpers: Helpers = HERE) -> Iterator[dict[str, Any]]:
    """Lodge each line on its own (idempotent per LRN exactly as `lodge`, as if the lines were lodged one after
    the other), `chunk` lines a transaction (by default `CHUNK` for the engine), each chunk's lines together
    (`_lodge_set`: a handful of statements for the chunk, not for each line); the results come in line order,
    each chunk's once it is committed. A chunk that fails as a whole (not a refusal: the database went away, a
    concurrent lodgement of one of its LRNs) is tried again line by line, so only the failing line is lost.
    `helpers`: where the lines are made ready (flows/preparing.py); by default here."""
    for results in lodge_chunks(factory, principal=principal, lines=lines, chunk=chunk, channel=channel,
                                helpers=helpers):
        yield from results


_PAUSE = threading.Lock()
_paused: list[Any] = [0, False, 0.0]  # chunks being lodged now (any thread), whether the collector ran before
# the first, and when it was last off with nothing collected
PAUSE_LIMIT = 2.0  # seconds: chunks of several batches overlapping keep it off; the young objects are then
# collected as a chunk ends, so that cycles do not pile up while batches keep coming


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a chunk is lodged (in any thread), back on when the last is done.
    A chunk of 200 keeps some 20,000 objects alive while it is lodged (its lines, models, rows): the collector moved
    them all to the oldest generation and went through the whole heap for them about once a chunk, some 50 us
    of CPU a declaration (issue 16). What a chunk leaves is freed as it goes (reference counts); cycles wait
    for the collector, at most a chunk later."""
    with _PAUSE:
        if not _paused[0]:
            _paused[1], _paused[2] = gc.isenabled(), time.monotonic()
            gc.disable()
        _paused[0] += 1
    try:
        yield
    finally:
        with _PAUSE:
            _paused[0] -= 1
            if not _paused[0] and _paused[1]:
                gc.enable()
            overdue = bool(_paused[0]) and _paused[1] and time.monotonic() - _paused[2] > PAUSE_LIMIT
            if overdue:
                _paused[2] = time.monotonic()
        if overdue:
            gc.collect(1)


# On PostgreSQL a batch keeps this many chunks in flight, each on a connection and thread of its own: while one
# chunk waits for the database (its statements, its commit's log flush), the next is validated and written. One
# batch ran on one core, Python and PostgreSQL taking turns; two chunks at once use both (issue 16; measured in
# docs/benchmarks.md, "Two chunks of a batch at once"). SQLite takes one writer at a time: a chunk at a time there.
IN_FLIGHT = 2

# Lines a chunk (one transaction) by engine. On PostgreSQL each chunk pays its round trips, its statements' planning
# and its commit's log flush once: one batch of 10,000 over HTTP went 3,971-4,348 -> 4,700-4,801/s from 200 to
# 1,000 lines (docs/benchmarks.md, "Bigger chunks on PostgreSQL"). SQLite gained nothing beyond 200-500 in-process
# (6,635 / 6,836 / 6,383/s at 200 / 500 / 1,000).
CHUNK = {"postgresql": 1000}
CHUNK_DEFAULT = 200


def lodge_chunks(factory: sessionmaker[Session], *, principal: Principal, lines: Iterable[Line],
                 chunk: int | None = None, channel: str = "api",
                 helpers: Helpers = HERE) -> Iterator[list[dict[str, Any]]]:
    """`lodge_many`, the results of each chunk together (a streamed answer writes them at once), in line order.
    The lines are taken a chunk at a time (a chunk's lines read from a lazy `lines` are gone before it runs
    again). On PostgreSQL up to IN_FLIGHT chunks are lodged at once, each in its own transaction: a line of a
    later chunk that repeats an LRN of an earlier one waits for that chunk's commit and is then answered as a
    repeat, as if the lines had been lodged one after the other; a chunk draws its numbers once the chunk
    before has drawn its own (`_Turn`), so that they follow the lines (docs/decisions.md, "MRNs of a batch")."""
    bind = factory.kw.get("bind")
    dialect = bind.dialect.name if bind is not None else ""
    size = chunk or CHUNK.get(dialect, CHUNK_DEFAULT)
    pending = iter(lines)
    parts = helpers.ahead(iter(lambda: list(islice(pending, size)), []))
    try:
        if dialect != "postgresql" or IN_FLIGHT < 2:
            for made in parts:
                yield _lodge_chunk(factory, principal, made, channel)
            return
        yield from _in_flight(factory, principal, parts, channel)
    finally:
        parts.close()  # (the chunks still being made ready dropped: the answer's reader is gone)


def _in_flight(factory: sessionmaker[Session], principal: Principal, parts: Iterator[Made],
               channel: str) -> Iterator[list[dict[str, Any]]]:
    """`lodge_chunks` on PostgreSQL: up to IN_FLIGHT chunks lodged at once, each on a thread of its own."""
    pool = ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="batch")
    flying: deque[Future[list[dict[str, Any]]]] = deque()
    turn = None
    try:
        for made in parts:
            turn = _Turn(turn)
            flying.append(pool.submit(_lodge_chunk, factory, principal, made, channel, turn))
            if len(flying) == IN_FLIGHT:
                yield flying.popleft().result()
        while flying:
            yield flying.popleft().result()
    finally:  # the answer's reader gone: the chunks begun finish (each commits whole), no other begins
        pool.shutdown(wait=True, cancel_futures=True)


def _lodge_chunk(factory: sessionmaker[Session], principal: Principal, made: Made, channel: str,
                 turn: _Turn | None = None) -> list[dict[str, Any]]:
    """One chunk's lines, made ready, lodged together in one transaction, with the collector paused; a chunk that
    fails as a whole is tried again line by line (`lodge_many`), after the chunk before has drawn its numbers."""
    part = made.part
    try:
        with collector_paused():
            try:
                ready = made.result()
                with transaction(factory) as session:
                    return _lodge_set(session, principal, ready, channel, turn)
            except Exception as exc:  # noqa: BLE001 - retried line by line below, where the failing line is named
                _log.warning("a batch chunk of %d lines failed as a whole (%s): its lines are lodged one by one",
                             len(part), type(exc).__name__)
        if turn is not None:
            turn.wait()  # (this chunk holds nothing now)
        results = []
        for n, doc in part:
            try:
                with transaction(factory) as session:
                    results.append(_lodge_line(session, principal, n, doc, channel))
            except Exception as exc:  # noqa: BLE001
                refused = preparing.refused(n, preparing.lrn_of(preparing.document(doc)),
                                            f"not lodged: {type(exc).__name__} (send the line again)")
                if database_unavailable(exc):  # as a single lodgement would answer: retryable
                    refused["status"] = 503
                results.append(refused)
        return results
    finally:
        if turn is not None:
            turn.drawn.set()  # drawn, or none to draw: the next chunk's turn
