"""The lodging desk (flows/desk.py): single lodgements sent at the same time are lodged together, in one
transaction, each with the outcome lodging it alone gives. Sent with asyncio.gather, every declaration is waiting
before the desk takes its first group, so the groups are known in advance (no timing in these tests); the
concurrent requests over HTTP at the end are checked only on what does not depend on how they were grouped."""

from __future__ import annotations

import asyncio
import gc
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from clearway.app import _warm_finder
from clearway.api.deps import Context
from clearway.db import make_engine, make_sessionmaker, transaction
from clearway.declarations import store
from clearway.declarations.core import mrn_is_valid
from clearway.declarations.models import Declaration, DeclarationItem
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import ClearwayError
from clearway.flows import lodging
from clearway.flows import desk as desk_module
from clearway.flows.desk import Desk
from clearway.validation import parse
from tests.declarations.support import PARTY, count, doc
from tests.flows.support import PARTY as IMPORTER, lodging_set, snapshot

pytestmark = pytest.mark.usefixtures("one_year")  # lodging's clock fixed: MRN numbers from one year's counter


def _keep(session, lodged, raised, before):
    return lodged, raised


def _send(desk: Desk, asks: list[tuple], finish=_keep, before=None, then=None) -> list:
    """Each (principal, document) sent to the desk at once; each one's outcome, or the exception it raised."""
    async def main():
        return await asyncio.gather(*(desk.lodge(principal=who, decl=parse(DeclarationIn, d), finish=finish,
                                                 before=before, then=then) for who, d in asks), return_exceptions=True)
    with ThreadPoolExecutor(1) as pool:  # a loop of its own (a browser test may leave one running in this thread)
        return pool.submit(lambda: asyncio.run(main())).result()


def _numbers(mrns: list[str]) -> list[int]:
    return [int(m[7:15]) for m in mrns]


def test_declarations_sent_together_are_lodged_in_one_group_and_store_what_each_alone_stores(db, importer):
    for d in lodging_set("S"):
        with transaction(db.factory) as s:
            lodging.lodge(s, principal=importer, decl=parse(DeclarationIn, d))
    desk, reads = Desk(db.factory), []

    def before(session):  # what the answers need read before the numbers are drawn: once for the group
        reads.append(session.scalar(select(func.count()).select_from(Declaration)))
        return reads[-1]

    outcomes = _send(desk, [(importer, d) for d in lodging_set("D")], before=before,
                     finish=lambda session, lodged, raised, read: (lodged, raised, read))
    assert desk.groups == 1 and reads == [len(lodging_set("S"))]  # (read before the group's were written)
    assert {read for *_, read in outcomes} == {len(lodging_set("S"))}
    outcomes = [(lodged, raised) for lodged, raised, _ in outcomes]
    assert [(o.lrn, o.created, o.status) for o, _ in outcomes] == [(d["lrn"], True, "accepted") for d in lodging_set("D")]
    assert all(raised for _, raised in outcomes)  # (the set's checks raise findings: the route reads them then)
    assert snapshot(db.factory, "D") == snapshot(db.factory, "S")
    # Numbered in the order they arrived, per office, with no gap.
    sydney = [o.mrn for o, _ in outcomes if o.mrn[2:7] == "AUSYD"]
    assert all(mrn_is_valid(o.mrn) for o, _ in outcomes)
    assert _numbers(sydney) == list(range(_numbers(sydney)[0], _numbers(sydney)[0] + len(sydney)))


def test_a_refused_declaration_in_a_group_is_refused_alone_and_the_others_are_lodged(db, keys):
    who = keys.principal("declarant", "AU", PARTY)
    desk, committed = Desk(db.factory), []

    def then(got):  # after the commit: the group's declarations are there to read
        with db.factory() as s:
            committed.append(s.scalar(select(func.count()).select_from(Declaration)))
        return got

    outcomes = _send(desk, then=then, asks=[
        (who, doc(lrn="G-1")),
        (who, doc(lrn="G-2", declarant={**doc()["declarant"], "id": "AU-ABN-99999999999"})),  # not this key's
        (who, doc(lrn="G-1")),  # the same again: lodged before (by the line above)
        (who, doc(lrn="G-1", office="AUMEL")),  # the same LRN with other content
        (who, doc(lrn="G-3")),
    ])
    assert desk.groups == 1 and committed == [2, 2, 2]  # not for the two refused
    first, other, again, conflict, third = outcomes
    assert first[0].created and third[0].created and not again[0].created and again[0].mrn == first[0].mrn
    assert isinstance(other, ClearwayError) and other.status == 403 and [e.path for e in other.errors] == [
        "declarant.id"]
    assert isinstance(conflict, ClearwayError) and conflict.status == 409 and first[0].mrn in conflict.detail
    assert _numbers([third[0].mrn]) == [_numbers([first[0].mrn])[0] + 1]  # a refused declaration draws no number
    with db.factory() as s:
        assert sorted(s.scalars(select(Declaration.lrn))) == ["G-1", "G-3"]


def test_a_small_groups_lrns_lodged_before_are_found_among_new_ones(db, keys):
    """A group of fewer than store.FEW (PostgreSQL: inserted first, the insert skipping the LRNs taken, which are
    then looked up; SQLite: looked up first): each lodged before is found, the same content answered with its
    declaration, other content refused, and the new ones lodged with their rows, whichever places the found ones
    take in the group; nothing is written for those found."""
    who = keys.principal("declarant", "AU", PARTY)
    before = {}
    for lrn in ("F-1", "F-3"):
        with transaction(db.factory) as s:
            before[lrn] = lodging.lodge(s, principal=who, decl=parse(DeclarationIn, doc(lrn=lrn)))[0].mrn
    asks = [(who, doc(lrn="F-1")), (who, doc(lrn="F-2")), (who, doc(lrn="F-3", office="AUMEL")),
            (who, doc(lrn="F-4"))]
    assert len(asks) < store.FEW
    desk = Desk(db.factory)
    again, new, conflict, newer = _send(desk, asks)
    assert desk.groups == 1
    assert (again[0].created, again[0].mrn) == (False, before["F-1"])
    assert isinstance(conflict, ClearwayError) and conflict.status == 409 and before["F-3"] in conflict.detail
    assert new[0].created and newer[0].created and mrn_is_valid(new[0].mrn)
    with db.factory() as s:
        assert sorted(s.scalars(select(Declaration.lrn))) == ["F-1", "F-2", "F-3", "F-4"]
    assert count(db, DeclarationItem) == 4 * len(doc()["items"])


def test_a_small_groups_lrn_lodged_meanwhile_by_another_transaction_is_answered_once_that_commits(db, keys):
    """Another transaction has written F-1 and not committed when a group of F-1 and F-2 comes: the group waits
    for it (PostgreSQL: at the insert of F-1's key; SQLite: for the write lock) and, once it commits, answers F-1
    as lodged before with the other's MRN and lodges F-2, instead of failing the group."""
    who = keys.principal("declarant", "AU", PARTY)
    other = db.factory()
    try:
        other.begin()
        first = lodging.lodge(other, principal=who, decl=parse(DeclarationIn, doc(lrn="F-1")))[0]
        desk = Desk(db.factory)
        with ThreadPoolExecutor(1) as pool:
            sent = pool.submit(_send, desk, [(who, doc(lrn="F-1")), (who, doc(lrn="F-2"))])
            threading.Event().wait(0.3)  # (its outcome is the same whether or not the group has begun by now)
            other.commit()
            again, new = sent.result(timeout=60)
    finally:
        other.close()
    assert (again[0].created, again[0].mrn) == (False, first.mrn) and new[0].created
    assert desk.groups == 1
    with db.factory() as s:
        assert sorted(s.scalars(select(Declaration.lrn))) == ["F-1", "F-2"]
    assert count(db, DeclarationItem) == 2 * len(doc()["items"])


def test_a_group_that_fails_as_a_whole_is_lodged_one_by_one_and_only_the_failing_one_fails(db, keys):
    who = keys.principal("declarant", "AU", PARTY)

    def finish(session, lodged, raised, before):
        if lodged.lrn == "F-2":
            raise RuntimeError("the answer of F-2 could not be built")
        return lodged, raised

    desk = Desk(db.factory)
    outcomes = _send(desk, [(who, doc(lrn=f"F-{n}")) for n in range(1, 5)], finish=finish)
    assert isinstance(outcomes[1], RuntimeError)
    assert [o[0].lrn for k, o in enumerate(outcomes) if k != 1] == ["F-1", "F-3", "F-4"]
    # The group's transaction was rolled back, numbers and all; then each alone: three commits, no gap.
    assert desk.groups == 3
    numbers = _numbers([o[0].mrn for k, o in enumerate(outcomes) if k != 1])
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    with db.factory() as s:
        assert sorted(s.scalars(select(Declaration.lrn))) == ["F-1", "F-3", "F-4"]


def test_the_declarations_of_two_keys_sent_together_go_in_two_groups_each_in_its_order(db, keys):
    one, two = keys.principal("declarant", "AU", PARTY), keys.principal("declarant", "AU", "AU-ABN-55666777888")
    theirs = doc(declarant={**doc()["declarant"], "id": "AU-ABN-55666777888"})
    desk = Desk(db.factory, lanes=1)  # (on PostgreSQL two groups go at once, and draw their numbers as they come)
    outcomes = _send(desk, [(one, doc(lrn="K-1")), (two, {**theirs, "lrn": "K-2"}), (one, doc(lrn="K-3")),
                            (two, {**theirs, "lrn": "K-4"})])
    assert desk.groups == 2
    assert [o[0].lrn for o in outcomes] == ["K-1", "K-2", "K-3", "K-4"] and all(o[0].created for o in outcomes)
    # The first key's group first (it was first to arrive), each in the order its declarations came.
    numbers = _numbers([o[0].mrn for o in outcomes])
    assert [n - numbers[0] for n in numbers] == [0, 2, 1, 3]


def test_on_postgresql_two_groups_go_at_once_each_numbered_in_its_order(db, keys):
    one, two = keys.principal("declarant", "AU", PARTY), keys.principal("declarant", "AU", "AU-ABN-55666777888")
    theirs = doc(declarant={**doc()["declarant"], "id": "AU-ABN-55666777888"})
    desk = Desk(db.factory, spill=0)  # (the second lane opens at once, not for a declaration waiting too long)
    assert desk.lanes == (2 if db.backend == "postgresql" else 1)
    outcomes = _send(desk, [(one, doc(lrn="L-1")), (two, {**theirs, "lrn": "L-2"}), (one, doc(lrn="L-3")),
                            (two, {**theirs, "lrn": "L-4"})])
    assert desk.groups == 2 and all(o[0].created for o in outcomes)
    numbers = _numbers([o[0].mrn for o in outcomes])
    assert sorted(numbers) == list(range(min(numbers), min(numbers) + 4))  # unique, no gap
    assert numbers[0] < numbers[2] and numbers[1] < numbers[3]  # each group in the order its declarations came


def test_one_lrn_in_two_groups_at_once_is_lodged_once_and_answered_as_lodged_before(db, keys):
    """Two groups (the same key over two channels) hold the same declaration; on PostgreSQL they go at once,
    and the later one's insert meets the earlier's key: it fails as a whole and its declaration is lodged alone,
    which answers the declaration lodged first. Never a failure, never twice."""
    who = keys.principal("declarant", "AU", PARTY)
    desk = Desk(db.factory, spill=0)

    async def main():
        return await asyncio.gather(*(desk.lodge(principal=who, decl=parse(DeclarationIn, doc(lrn="T-1")),
                                                 finish=_keep, channel=channel) for channel in ("api", "web")))

    with ThreadPoolExecutor(1) as pool:
        outcomes = pool.submit(lambda: asyncio.run(main())).result()
    assert sorted(o[0].created for o in outcomes) == [False, True] and len({o[0].mrn for o in outcomes}) == 1
    assert count(db) == 1


@pytest.mark.parametrize("spill", [0.05, 3600.0])
def test_a_second_lane_opens_only_for_a_declaration_that_waited_the_spill_for_the_first(db, keys, spill):
    """The first group is held (in its `before`) while another key's declaration and the first key's next wait: a
    second lane lodges each once it has waited `spill` seconds, not before (both still wait after the half second
    watched when the spill is an hour). The second lane takes one group (the other key's) and ends, as the first
    still runs; the declaration left waiting gets a lane of its own once it has waited, and is not dropped. (Two
    lanes forced on SQLite too: what the desk decides does not depend on the engine.)"""
    one, two = keys.principal("declarant", "AU", PARTY), keys.principal("declarant", "AU", "AU-ABN-55666777888")
    theirs = doc(declarant={**doc()["declarant"], "id": "AU-ABN-55666777888"})
    desk, held, lodged_while_held = Desk(db.factory, lanes=2, spill=spill), threading.Event(), []

    def holding(session):
        held.wait(20)

    def send(who, d, before=None):
        return asyncio.create_task(desk.lodge(principal=who, decl=parse(DeclarationIn, d), finish=_keep,
                                              before=before))

    async def main():
        loop = asyncio.get_running_loop()
        first = [send(one, doc(lrn=f"S-{n}"), holding) for n in (1, 2)]  # a group of two (never on the loop)
        await asyncio.sleep(0)
        waiting = [send(two, {**theirs, "lrn": "S-3"}), send(one, doc(lrn="S-4"))]
        watch_until = loop.time() + (10 if spill < 1 else 0.5)
        while not all(w.done() for w in waiting) and loop.time() < watch_until:
            await asyncio.sleep(0.01)
        lodged_while_held.extend(w.done() for w in waiting)
        held.set()
        return await asyncio.wait_for(asyncio.gather(*first, *waiting), timeout=30)

    with ThreadPoolExecutor(1) as pool:
        outcomes = pool.submit(lambda: asyncio.run(main())).result()
    assert lodged_while_held == [spill < 1, spill < 1]
    assert [o[0].lrn for o in outcomes] == ["S-1", "S-2", "S-3", "S-4"] and all(o[0].created for o in outcomes)
    assert desk.groups == 3 and not desk._drains and count(db) == 4


def test_a_declaration_whose_client_went_away_before_its_turn_is_not_lodged(db, keys):
    who = keys.principal("declarant", "AU", PARTY)
    desk = Desk(db.factory)

    async def main():
        tasks = [asyncio.create_task(desk.lodge(principal=who, decl=parse(DeclarationIn, doc(lrn=f"C-{n}")),
                                                finish=_keep)) for n in range(3)]
        await asyncio.sleep(0)  # all three wait at the desk; its first group is not taken yet
        tasks[1].cancel()  # (the client of the second went away)
        return await asyncio.gather(*tasks, return_exceptions=True)

    with ThreadPoolExecutor(1) as pool:
        first, second, third = pool.submit(lambda: asyncio.run(main())).result()
    assert isinstance(second, asyncio.CancelledError) and first[0].created and third[0].created
    assert desk.groups == 1 and _numbers([third[0].mrn]) == [_numbers([first[0].mrn])[0] + 1]
    with db.factory() as s:
        assert sorted(s.scalars(select(Declaration.lrn))) == ["C-0", "C-2"]


def test_lodgements_sent_at_the_same_time_over_http_are_each_answered_as_their_read(db, keys):
    """However the server grouped them: each gets 201 and its own MRN, and its answer is the declaration as
    a read of it gives it afterwards (the answer is built from what was written, not read back)."""
    key = keys.create("declarant", "AU", PARTY)
    with keys.client(key) as client, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda n: client.post("/api/v1/declarations", json=doc(lrn=f"H-{n}")), range(24)))
        assert [a.status_code for a in answers] == [201] * 24
        assert len({a.json()["mrn"] for a in answers}) == 24
        for a in answers:
            assert client.get(a.headers["location"]).json() == a.json()
    assert count(db) == 24


def test_findings_raised_at_lodging_are_answered_as_a_read_gives_them(db, keys, importer):
    """The answer shows the findings the checks raised as they were written, not read back: they must be what a
    read of the declaration shows (its open findings), raised_at included, for every outcome of the checks."""
    key = keys.create("declarant", "AU", IMPORTER)
    with keys.client(key) as client, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda d: client.post("/api/v1/declarations", json=d), lodging_set("F")))
        assert [a.status_code for a in answers] == [201] * len(answers)
        reads = [client.get(a.headers["location"]).json() for a in answers]
    assert [a.json() for a in answers] == reads
    raised = {r["lrn"]: sorted(f["code"] for f in r["findings"]) for r in reads}
    assert raised["F-cleared"] == [] and raised["F-plain"] == []
    assert raised["F-missing"] and raised["F-held"] and raised["F-held-shirts"]  # (each a finding of its own)


def test_what_the_served_app_loaded_at_start_is_kept_out_of_the_collectors_full_passes(db):
    gc.unfreeze()
    try:
        _warm_finder(Context(db.factory))
        assert gc.get_freeze_count() > 100_000  # the modules, the routes, the HS finder's index
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("minimal", [False, True])
def test_a_lodgement_with_an_idempotency_key_is_answered_as_one_without(db, keys, minimal):
    """With an Idempotency-Key the declaration is lodged in a transaction of its own (the key's claim is marked
    in it); the answer is the same as the desk's."""
    key = keys.create("declarant", "AU", PARTY)
    prefer = {"Prefer": "return=minimal"} if minimal else {}
    with keys.client(key) as client:
        plain = client.post("/api/v1/declarations", json=doc(lrn="I-1"), headers=prefer)
        keyed = client.post("/api/v1/declarations", json=doc(lrn="I-2"), headers={**prefer, "Idempotency-Key": "k-1"})
        repeat = client.post("/api/v1/declarations", json=doc(lrn="I-2"), headers=prefer)
    assert (plain.status_code, keyed.status_code, repeat.status_code) == (201, 201, 200)

    def same(answer: dict) -> dict:  # all but what names the declaration and the times
        out = {k: v for k, v in answer.items() if k not in ("id", "mrn", "lrn", "accepted_at", "updated_at",
                                                            "declaration", "history", "findings")}
        return {**out, "findings": [{k: v for k, v in f.items() if k != "raised_at"} for f in answer.get("findings", [])]}
    assert same(plain.json()) == same(keyed.json()) == same(repeat.json())
    assert repeat.json()["mrn"] == keyed.json()["mrn"]


@pytest.mark.parametrize("lanes", [1, 2])
def test_a_declaration_sent_as_the_one_before_is_answered_finds_a_lane(db, keys, lanes):
    """The client awaiting the first answer runs on before the desk's finished lane has left its set (a task's
    done callbacks run after the tasks its results woke): the second declaration must still be taken, not wait
    for a lane that has ended. (Over HTTP the window is short but open: another client's handler may run in it.)"""
    who = keys.principal("declarant", "AU", PARTY)
    desk = Desk(db.factory, lanes=lanes)

    async def main():  # (each awaited directly: a task between would let the done callback run first)
        return [await desk.lodge(principal=who, decl=parse(DeclarationIn, doc(lrn=f"N-{n}")), finish=_keep)
                for n in range(3)]

    with ThreadPoolExecutor(1) as pool:  # (stranded, the second would wait for ever: the timeout fails the test)
        answers = pool.submit(lambda: asyncio.run(asyncio.wait_for(main(), timeout=20))).result()
    assert [a[0].lrn for a in answers] == ["N-0", "N-1", "N-2"] and all(a[0].created for a in answers)
    assert desk.groups == 3 and count(db) == 3


def _threads(desk: Desk, who, lrns: list[str]) -> tuple[list, int, list[int]]:
    """The lrns sent to the desk at once: (their outcomes, the event loop's thread, the threads `finish` ran in)."""
    ran: list[int] = []

    def noting(session, lodged, raised, before):
        ran.append(threading.get_ident())
        return _keep(session, lodged, raised, before)

    async def main():
        return (await asyncio.gather(*(desk.lodge(principal=who, decl=parse(DeclarationIn, doc(lrn=lrn)),
                                                  finish=noting) for lrn in lrns), return_exceptions=True),
                threading.get_ident())

    with ThreadPoolExecutor(1) as pool:
        outcomes, loop = pool.submit(lambda: asyncio.run(main())).result()
    return outcomes, loop, ran


def test_a_lone_declaration_on_the_embedded_database_is_lodged_in_the_event_loops_thread(db, keys):
    """Two hand-overs between the loop and a worker thread cost 0.2 to 0.5 ms of a lodgement's 2.5
    (docs/benchmarks.md, "A lone declaration lodged on the event loop"): on SQLite a lone declaration is lodged in
    the loop's thread, with the same outcome. A group (the loop parses other requests meanwhile) and PostgreSQL
    (round trips) go to a worker thread."""
    who = keys.principal("declarant", "AU", PARTY)
    desk = Desk(db.factory)
    (alone,), loop, ran = _threads(desk, who, ["E-1"])
    assert alone[0].created and mrn_is_valid(alone[0].mrn)
    assert (ran == [loop]) == (db.backend == "sqlite") and len(ran) == 1
    group, loop, ran = _threads(desk, who, ["E-2", "E-3", "E-4"])
    assert all(o[0].created for o in group) and loop not in ran and len(ran) == 3
    assert desk.groups == 2 and count(db) == 4
    numbers = _numbers([o[0].mrn for o in (alone, *group)])
    assert numbers == list(range(numbers[0], numbers[0] + 4))  # in the order they came, no gap


def test_a_lone_declaration_that_fails_in_the_loops_thread_is_lodged_alone_in_a_worker_thread(db, keys):
    """Its transaction rolled back, numbers and all, it is lodged again as `_lodge_group` lodges a group that failed
    as a whole: alone, in a worker thread, where its own failure is its own."""
    who = keys.principal("declarant", "AU", PARTY)
    loop_thread: list[int] = []

    def on_the_loop_only(session, lodged, raised, before):  # fails where the loop's thread runs it
        if threading.get_ident() in loop_thread:
            raise RuntimeError("the answer could not be built here")
        return lodged, raised

    desk = Desk(db.factory)
    with ThreadPoolExecutor(1) as pool:
        loop_thread.append(pool.submit(threading.get_ident).result())
        ran: list[int] = []

        async def main():
            def noting(session, lodged, raised, before):
                ran.append(threading.get_ident())
                return on_the_loop_only(session, lodged, raised, before)
            return await desk.lodge(principal=who, decl=parse(DeclarationIn, doc(lrn="R-1")), finish=noting)

        lodged, _ = pool.submit(lambda: asyncio.run(main())).result()
    assert lodged.created and desk.groups == 1 and count(db) == 1
    assert ran[:-1] == (loop_thread if db.backend == "sqlite" else []) and ran[-1] not in loop_thread
    assert _numbers([lodged.mrn]) == [1]  # (the rolled-back draw left no gap: the year's first number)


@pytest.mark.parametrize("holder", ["this process", "another process"])
def test_the_event_loop_runs_on_while_a_lone_declaration_waits_for_the_database(db, keys, holder):
    """A transaction of the same office's numbers is open elsewhere (in this process on SQLite: the process's turn;
    in another process: the file's write lock; on PostgreSQL: the office counter's row): the loop never waits for
    it. It ticks on while the declaration waits in a worker thread, which lodges it once the other commits."""
    who = keys.principal("declarant", "AU", PARTY)
    engine = make_engine(db.url) if holder == "another process" else None  # (an engine of its own: its own turn)
    factory = make_sessionmaker(engine) if engine is not None else db.factory
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction(factory) as s:
            lodging.lodge(s, principal=who, decl=parse(DeclarationIn, doc(lrn="W-1")))
            holding.set()
            release.wait(20)

    desk, ran = Desk(db.factory), []

    def noting(session, lodged, raised, before):
        ran.append(threading.get_ident())
        return lodged, raised

    async def main():
        ticks = 0
        waiting = asyncio.create_task(desk.lodge(principal=who, decl=parse(DeclarationIn, doc(lrn="W-2")),
                                                 finish=noting))
        while ticks < 5:  # (a loop held by the lodgement would never get here: the timeout below fails the test)
            await asyncio.sleep(0.01)
            ticks += 1
        assert not waiting.done()
        release.set()
        return await waiting, threading.get_ident()

    try:
        with ThreadPoolExecutor(2) as pool:
            held = pool.submit(hold)
            assert holding.wait(20)
            (lodged, _), loop = pool.submit(lambda: asyncio.run(asyncio.wait_for(main(), timeout=20))).result()
            held.result()
    finally:
        release.set()
        if engine is not None:
            engine.dispose()
    assert lodged.created and ran and loop not in ran
    with db.factory() as s:
        first, second = (s.scalar(select(Declaration.mrn).where(Declaration.lrn == lrn)) for lrn in ("W-1", "W-2"))
    assert _numbers([second]) == [_numbers([first])[0] + 1]


def test_on_sqlite_the_desk_keeps_a_connection_while_declarations_come_and_gives_it_back_when_idle(db, keys,
                                                                                                   monkeypatch):
    """On SQLite the desk's transactions run on a connection of its own, kept out of the pool between them and
    given back once the desk has been idle for HOLD seconds, or when its event loop stops (on PostgreSQL each
    transaction takes a pooled one). Nothing read stays between two transactions: a declaration changed by another
    connection meanwhile is read as it now is. A transaction that fails gives the connection back; the next
    lodgement takes a fresh one."""
    monkeypatch.setattr(desk_module, "HOLD", 0.2)
    who, pool = keys.principal("declarant", "AU", PARTY), db.engine.pool
    desk, statuses, rows = Desk(db.factory), [], []
    sqlite = db.backend == "sqlite"

    def reading(session, lodged, raised, before):  # the declaration's row read through the session (and kept)
        rows.append(session.get(Declaration, lodged.id))
        statuses.append(rows[-1].status)
        return lodged, raised

    def failing(session, lodged, raised, before):
        raise RuntimeError("the answer could not be built")

    def send(lrn, finish=reading):
        return desk.lodge(principal=who, decl=parse(DeclarationIn, doc(lrn=lrn)), finish=finish)

    async def main():
        held = []
        for lrn in ("H-1", "H-2"):
            await send(lrn)
            held.append(pool.checkedout() - before)
        with transaction(db.factory) as s:  # another connection changes H-1 between two of the desk's transactions
            s.execute(Declaration.__table__.update().where(Declaration.lrn == "H-1").values(status="cancelled"))
        again, _ = await send("H-1")  # (lodged before: its row read again)
        held.append(pool.checkedout() - before)
        await asyncio.sleep(0.5)
        held.append(pool.checkedout() - before)  # (idle for longer than HOLD)
        await send("H-3")
        held.append(pool.checkedout() - before)
        with pytest.raises(RuntimeError):  # (lodged one by one after the group failed: the failure is its own)
            await send("H-4", failing)
        held.append(pool.checkedout() - before)
        await send("H-5")
        held.append(pool.checkedout() - before)
        return again, held  # (the loop stops with the connection held)

    before = pool.checkedout()  # (the session's engine: other tests' servers may hold some)
    with ThreadPoolExecutor(1) as pool_thread:
        again, held = pool_thread.submit(lambda: asyncio.run(main())).result()
    assert not again.created and statuses == ["accepted", "accepted", "cancelled", "accepted", "accepted"]
    assert held == ([1, 1, 1, 0, 1, 0, 1] if sqlite else [0] * 7) and pool.checkedout() == before
    assert count(db) == 4  # (H-1, H-2, H-3, H-5: nothing of H-4, whose answer failed)
