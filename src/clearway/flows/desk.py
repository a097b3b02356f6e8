"""Single lodgements that arrive together are lodged together (group commit, issue 16).

A declaration sent on its own (`POST /api/v1/declarations`) waits at the desk; while the desk lodges one group
in a worker thread (on PostgreSQL a second group at once for declarations that waited SPILL for the first:
LANES), those that arrive meanwhile gather, and the next group takes them all in one transaction
(`flows.lodging.lodge_together`, the batches' set-based path). Nobody waits for a group to fill: a lone
declaration is lodged at once, as a group of one, which costs less than the one-by-one path did (0.47 against
0.57 ms of CPU on SQLite); eight together cost 0.2 ms each (docs/benchmarks.md, "Single lodgements lodged
together").

Each declaration's outcome is what lodging it alone gives, as if the group's were lodged one after the other in
the order they arrived: its own answer, its refusal (nothing of it written), "already lodged" for an LRN lodged
before or earlier in the group. A group is one declarant key's (a group takes the keys of what waits in turn);
if its transaction fails as a whole (not a refusal: a group lodged at the same time took one of its LRNs first,
the database went away), each of its declarations is lodged again alone by the one-by-one path, and only the
failing one gets the failure, as it would have alone.

On SQLite a lone declaration (a group of one) is lodged in the event loop's thread itself when the database is free
at that moment (`Desk._here`): handing it to a worker thread and its answer back costs two thread wake-ups, 0.2 to
0.5 ms on a VM, up to a fifth of the lodgement's time with one client. The loop never waits there: if the process's
turn or another process's write lock is taken, the transaction is not begun (db.without_waiting) and the
declaration goes to a worker thread as a group does. Groups still go to a worker thread, where SQLite's own work
runs beside the loop parsing the next requests; PostgreSQL's transactions always do (each statement waits for a
round trip).

On SQLite the desk's transactions run on a connection of its own, held while declarations keep coming and given
back to the pool once the desk has been idle for HOLD seconds: a session and a connection taken from the pool and
given back for every transaction cost 52 us of CPU, a transaction on the held one 23 us (docs/benchmarks.md, "The
desk's own connection on SQLite"). One transaction at a time uses it (SQLite's desk has one lane); a transaction
that fails gives it back, and the next takes a fresh one (a desk made with several lanes on SQLite, as a test does,
holds none).

The queue and the futures are touched only in the event loop's thread: one desk per database and event loop
(api.deps.Context.desk)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.core import Principal
from clearway.controls.service import Raised
from clearway.db import TurnBusy, transaction, without_waiting
from clearway.declarations.schemas import DeclarationIn
from clearway.declarations.service import Lodged
from clearway.errors import ClearwayError
from clearway.flows.lodging import lodge_checked, lodge_together
from clearway.observe import DESK_GROUPS

# At most this many declarations in one group (one transaction): the few a burst of clients sends at once.
MOST = 64
# Groups lodged at once on PostgreSQL, each in its own transaction and worker thread. Under a mixed load a group's
# thread shares the interpreter with the other handlers' and its round trips wait their turns: one group at a
# time there made lodgements queue (p99 467 ms in the mixed load against 289 ms before the desk), eight at once
# made groups of one (443 lodgements a second alone, against 763 with one): two kept both (308 ms; 605 a second;
# docs/benchmarks.md, "Single lodgements lodged together"). SQLite writes one transaction at a time: one group.
LANES = 2
# A second lane opens only for a declaration that has waited this long (seconds) for the first: lodging alone,
# where a group takes a few milliseconds, one lane gathers larger groups (each transaction's fixed cost shared
# by more); under a mixed load, where a group's round trips wait their turns for the interpreter, the second lane
# opens as before (docs/benchmarks.md, "The connection given back last; a second lane only for a declaration that
# waited").
SPILL = 0.02
# Seconds an idle desk on SQLite keeps its own connection before giving it back to the pool.
HOLD = 1.0

# A lone declaration's transaction failed as a whole where it was lodged on the event loop (Desk._here).
_ONE_BY_ONE = object()

# What the route does with a declaration's outcome in the group's transaction, before it commits: (session, its
# Lodged, the findings the checks raised on the group's declarations, as written, what its `Before` read) -> the
# answer. It may read (the row of a declaration lodged before); what it raises fails the group, which is then
# lodged one by one.
Finish = Callable[[Session, Lodged, list[Raised], Any], Any]
# What an answer needs read before the declarations are written and numbered (the numbers' rows stay locked
# from the draw to the commit on PostgreSQL): read once for a group, whoever of it asks.
Before = Callable[[Session], Any]
# The answer made of what `Finish` gave, once the group is committed, in the same worker thread (not on the event
# loop: building and encoding a full answer is about 0.1 ms).
Then = Callable[[Any], Any]


@dataclass
class _Ask:
    principal: Principal
    decl: DeclarationIn
    channel: str
    finish: Finish
    before: Before | None
    then: Then | None
    future: asyncio.Future[Any] = field(repr=False)
    at: float = 0.0  # when it came (the event loop's clock)


class Desk:
    def __init__(self, factory: sessionmaker[Session], most: int = MOST, lanes: int | None = None,
                 spill: float = SPILL) -> None:
        self.factory, self.most, self.spill = factory, most, spill
        bind = factory.kw.get("bind")
        self.lanes = lanes or (LANES if bind is not None and bind.dialect.name == "postgresql" else 1)
        self.here = bind is not None and bind.dialect.name == "sqlite"  # a lone declaration on the loop (_here)
        self.hold = self.here and self.lanes == 1  # a connection of its own (_unit): one transaction at a time
        self._waiting: deque[_Ask] = deque()
        self._drains: set[asyncio.Task[None]] = set()
        self._spilling: asyncio.Handle | None = None  # the check for a declaration waiting too long
        self.groups = 0  # transactions committed (the tests read how the declarations went together)
        self._held: Session | None = None  # SQLite: the session on the desk's own connection (_unit)
        self._idle_at = 0.0  # when the last lane ended (the event loop's clock)
        self._keeper: asyncio.Task[None] | None = None  # gives the held connection back (_keep)

    async def lodge(self, *, principal: Principal, decl: DeclarationIn, finish: Finish, before: Before | None = None,
                    then: Then | None = None, channel: str = "api") -> Any:
        """What `finish` made of the declaration's outcome (and `then` of that, after the commit) once its group
        is committed; its refusal (a ClearwayError) raised, as lodging it alone raises it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._waiting.append(_Ask(principal, decl, channel, finish, before, then, future, loop.time()))
        if not self._drains:
            self._open_lane(loop, spilled=False)
        elif len(self._drains) < self.lanes and self._spilling is None:
            self._spilling = loop.call_later(self.spill, self._spill)
        return await future

    def _open_lane(self, loop: asyncio.AbstractEventLoop, *, spilled: bool) -> None:
        drain = loop.create_task(self._lodge_waiting(spilled))
        self._drains.add(drain)
        drain.add_done_callback(self._drains.discard)

    def _spill(self) -> None:
        """Another lane for the declarations waiting, if the oldest has waited `spill` seconds for one; else the
        check again when it will have."""
        self._spilling = None
        oldest = next((ask for ask in self._waiting if not ask.future.done()), None)
        if oldest is None or len(self._drains) >= self.lanes:
            return
        loop = asyncio.get_running_loop()
        due = oldest.at + self.spill
        if loop.time() >= due:
            self._open_lane(loop, spilled=True)
        else:
            self._spilling = loop.call_at(due, self._spill)

    async def _lodge_waiting(self, spilled: bool = False) -> None:
        """Group after group, until nothing waits; each group in a worker thread of the handlers' pool, so that
        other requests' handlers take their turns between groups. A lane opened for a declaration that waited
        too long (`spilled`) ends after its group while another lane runs."""
        if self.hold and self._keeper is None:
            self._keeper = asyncio.get_running_loop().create_task(self._keep())
        try:
            while self._waiting:
                if self._waiting[0].future.done():  # (its client went away before its turn: not lodged)
                    self._waiting.popleft()
                    continue
                first = self._waiting[0].principal, self._waiting[0].channel
                group = [ask for ask in self._waiting
                         if (ask.principal, ask.channel) == first and not ask.future.done()][:self.most]
                taken = {id(ask) for ask in group}
                self._waiting = deque(ask for ask in self._waiting if id(ask) not in taken)
                try:
                    outcomes = self._here(group)
                    if outcomes is None:
                        outcomes = await anyio.to_thread.run_sync(self._lodge_group, group)
                    elif outcomes is _ONE_BY_ONE:
                        outcomes = await anyio.to_thread.run_sync(self._one_by_one, group)
                except BaseException:  # cancelled (the server stopping): those taken are cancelled too
                    for ask in group:
                        ask.future.cancel()
                    raise
                for ask, outcome in zip(group, outcomes):
                    if ask.future.done():  # (its client went away)
                        continue
                    if isinstance(outcome, BaseException):
                        ask.future.set_exception(outcome)
                    else:
                        ask.future.set_result(outcome)
                if spilled and len(self._drains) > 1:  # (the others waiting: another lane once they have waited)
                    if self._waiting and self._spilling is None:
                        self._spilling = asyncio.get_running_loop().call_soon(self._spill)
                    break
        finally:
            # Out of the lanes at once, not by the task's done callback, which runs later: a declaration sent in
            # between (by a task woken by one of the answers above) would count this lane as lodging and wait,
            # with no lane left to take it.
            self._drains.discard(asyncio.current_task())  # type: ignore[arg-type]
            if not self._drains:  # (the last lane cancelled with more waiting: they are cancelled too)
                for ask in self._waiting:
                    ask.future.cancel()
                self._waiting.clear()
                self._idle_at = asyncio.get_running_loop().time()
                if self._keeper is None:  # (the event loop stopping: its keeper cancelled while this lane ran)
                    self.give_back()

    async def _keep(self) -> None:
        """While the desk may hold a connection: gives it back once no lane has run for HOLD seconds, or when the
        event loop stops (its tasks cancelled; a lane still running in a worker thread gives it back as it ends)."""
        loop = asyncio.get_running_loop()
        try:
            while self._drains or loop.time() < self._idle_at + HOLD:
                await asyncio.sleep(HOLD if self._drains else self._idle_at + HOLD - loop.time())
        finally:
            self._keeper = None
            if not self._drains:
                self.give_back()

    def give_back(self) -> None:
        """The held connection back to the pool (by the lane whose transaction failed on it, or in the event loop's
        thread while no lane runs)."""
        held, self._held = self._held, None
        if held is not None:
            connection = held.get_bind()
            held.close()
            connection.close()  # type: ignore[union-attr]

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        """A group's transaction: on SQLite on the desk's own connection (held between transactions), elsewhere
        as any unit of work (a session and a pooled connection for the transaction)."""
        if not self.hold:
            with transaction(self.factory) as session:
                yield session
            return
        if self._held is None:
            self._held = self.factory(bind=self.factory.kw["bind"].connect())  # (the factory's settings, its connection)
        session = self._held
        try:
            with session.begin():
                yield session
        except TurnBusy:  # (nothing begun: the connection is as it was)
            raise
        except BaseException:
            self.give_back()  # (whatever else failed, the next transaction begins on a fresh connection)
            raise
        session.close()  # (nothing read stays in the session for the next transaction)

    def _lodge_group(self, group: list[_Ask]) -> list[Any]:
        """Each ask's answer, or the exception lodging it raised: the group together in one transaction, or, if
        that fails as a whole (not a refusal: a group lodged at the same time took one of its LRNs first, the
        database went away), each alone in a transaction of its own, exactly as a single lodgement (`_alone`)."""
        try:
            return self._together(group)
        except Exception:  # noqa: BLE001 - each alone below, where its own failure is its own
            return self._one_by_one(group)

    def _here(self, group: list[_Ask]) -> list[Any] | object | None:
        """A lone declaration on the embedded database lodged in the event loop's thread, if the database is free
        now: its outcome as `_lodge_group` gives it; _ONE_BY_ONE if its transaction failed as a whole (it is then
        lodged alone in a worker thread, as `_lodge_group` does); None where it is not lodged here (a group,
        PostgreSQL, the turn or the file's write lock taken: the loop never waits for them) and goes to a worker
        thread whole."""
        if not self.here or len(group) != 1:
            return None
        try:
            with without_waiting():
                return self._together(group)
        except TurnBusy:
            return None
        except Exception:  # noqa: BLE001 - lodged alone in a worker thread, where its own failure is its own
            return _ONE_BY_ONE

    def _one_by_one(self, group: list[_Ask]) -> list[Any]:
        out: list[Any] = []
        for ask in group:
            try:
                out.append(self._alone(ask))
            except Exception as exc:  # noqa: BLE001 - the request's own failure, raised to it
                out.append(exc)
        return out

    def _together(self, group: list[_Ask]) -> list[Any]:
        principal, channel = group[0].principal, group[0].channel
        with self._unit() as session:
            read = {before: before(session) for before in dict.fromkeys(ask.before for ask in group) if before}
            lodged, raised = lodge_together(session, principal=principal, decls=[ask.decl for ask in group],
                                            channel=channel)
            out = [outcome if isinstance(outcome, ClearwayError) else
                   ask.finish(session, outcome, raised, read.get(ask.before)) for ask, outcome in zip(group, lodged)]
        self._done(len(group))
        return [ask.then(got) if ask.then is not None and not isinstance(got, ClearwayError) else got
                for ask, got in zip(group, out)]

    def _alone(self, ask: _Ask) -> Any:
        return lodge_alone(lambda: transaction(self.factory), principal=ask.principal, decl=ask.decl,
                           finish=ask.finish, before=ask.before, then=ask.then, channel=ask.channel, done=self._done)

    def _done(self, size: int = 1) -> None:
        """A transaction of `size` declarations committed at the desk (one lodged alone: a group of one)."""
        self.groups += 1
        DESK_GROUPS.observe(size)


def lodge_alone(uow: Callable[[], AbstractContextManager[Session]], *, principal: Principal, decl: DeclarationIn,
                finish: Finish, before: Before | None = None, then: Then | None = None, channel: str = "api",
                done: Callable[[], None] | None = None) -> Any:
    """One declaration by the one-by-one path (flows.lodging.lodge_checked) in a unit of work of its own (`uow`:
    the desk's transaction, or one that also marks an Idempotency-Key's claim), with the desk's `before`, `finish`
    and `then`; it finds an LRN lodged meanwhile by another transaction at its insert and answers that
    declaration. Its refusal is raised. `done`: called once the unit of work has committed."""
    with uow() as session:
        read = before(session) if before is not None else None
        row, created, raised = lodge_checked(session, principal=principal, decl=decl, channel=channel)
        lodged = Lodged(row.id, row.mrn, row.lrn, row.status, created, economy=row.economy, type=row.type,
                        content=row.content, at=row.accepted_at if created else None)
        got = finish(session, lodged, raised, read)
    if done is not None:
        done()
    return then(got) if then is not None else got
