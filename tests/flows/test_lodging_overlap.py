"""On PostgreSQL a batch lodges two chunks at once (flows.lodging.IN_FLIGHT, issue 16), with the answers of
lodging its lines one after the other: a repeat of an earlier chunk's LRN answered as a repeat, numbers drawn in
line order (a chunk draws once the chunk before has drawn), and the one case where two chunks would wait for each
other (the later one wrote an LRN of both first) undone by the later chunk giving way. SQLite lodges a chunk at a
time. The overlaps are forced with events, so the tests do not depend on the machine's timing."""

from __future__ import annotations

import logging
import threading

import pytest

from clearway.declarations import store
from clearway.flows import lodging
from tests.certificates.factories import declaration
from tests.flows.support import T_SHIRTS

pytestmark = pytest.mark.usefixtures("one_year")  # lodging's clock fixed: numbers from one year's counter
OFFICES = ("AUSYD", "AUMEL")


def _lines(tag: str) -> list[tuple[int, dict]]:
    """Three chunks of four: the second repeats the first's first LRN (same content), the third its second LRN
    with other content; one refused line."""
    docs = [declaration(lrn=f"{tag}-{i}", items=T_SHIRTS, documents=[], office=OFFICES[i % 2]) for i in range(1, 9)]
    docs[5]["currency"] = "XYZ"  # refused
    again = declaration(lrn=f"{tag}-1", items=T_SHIRTS, documents=[], office=OFFICES[1])
    other = declaration(lrn=f"{tag}-2", items=T_SHIRTS, documents=[], office=OFFICES[1])  # -2 was lodged at AUSYD
    return list(enumerate(docs[:4] + docs[4:6] + [again, docs[6]] + [other, docs[7]], start=1))


def _answers(results: list[dict]) -> list[tuple]:
    return [(r["line"], r["outcome"], r["status"] if r["outcome"] == "refused" else r["mrn"][2:7]) for r in results]


def _numbers_in_line_order(results: list[dict]) -> bool:
    accepted = [r["mrn"] for r in results if r["outcome"] == "accepted"]
    return all([int(m[7:15]) for m in accepted if m[2:7] == office] ==
               sorted(int(m[7:15]) for m in accepted if m[2:7] == office) for office in OFFICES)


@pytest.fixture
def tracked(monkeypatch):
    """How many chunks are being lodged at once, at most; `hold(first_line, until)`: the chunk starting at that
    line waits for an event before it writes anything."""
    real, inside, lock = lodging._lodge_set, [0, 0], threading.Lock()
    holds: dict[int, threading.Event] = {}
    started: dict[int, threading.Event] = {}

    def counted(session, principal, part, channel, turn=None):
        with lock:
            inside[0] += 1
            inside[1] = max(inside)
        started.setdefault(part[0][0], threading.Event()).set()
        try:
            if part[0][0] in holds:
                assert holds[part[0][0]].wait(10), "the chunk held never got its go"
            return real(session, principal, part, channel, turn)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(lodging, "_lodge_set", counted)

    class Tracked:
        peak = property(lambda self: inside[1])

        def hold(self, line: int, until: threading.Event) -> None:
            holds[line] = until

        def started(self, line: int) -> threading.Event:
            return started.setdefault(line, threading.Event())

    return Tracked()


def test_two_chunks_at_once_answer_as_one_after_the_other(db, importer, tracked, monkeypatch):  # noqa: F811
    # (whichever of the two chunks writes the LRN they share first, the answers are the same; the wait is short)
    monkeypatch.setattr(lodging, "TURN_WAIT", 0.5)
    monkeypatch.setattr(lodging, "IN_FLIGHT", 1)
    one_by_one = list(lodging.lodge_many(db.factory, principal=importer, lines=_lines("S"), chunk=4))
    monkeypatch.setattr(lodging, "IN_FLIGHT", 2)
    if db.backend == "postgresql":  # the first chunk writes nothing until the second is under way
        tracked.hold(1, tracked.started(5))
    at_once = list(lodging.lodge_many(db.factory, principal=importer, lines=_lines("T"), chunk=4))
    assert _answers(at_once) == _answers(one_by_one) == [
        (1, "accepted", "AUMEL"), (2, "accepted", "AUSYD"), (3, "accepted", "AUMEL"), (4, "accepted", "AUSYD"),
        (5, "accepted", "AUMEL"), (6, "refused", 422), (7, "already lodged", "AUMEL"), (8, "accepted", "AUMEL"),
        (9, "refused", 409), (10, "accepted", "AUSYD")]
    assert at_once[6]["mrn"] == at_once[0]["mrn"]
    assert _numbers_in_line_order(at_once) and _numbers_in_line_order(one_by_one)
    assert tracked.peak == (2 if db.backend == "postgresql" else 1)


def test_chunks_that_would_wait_for_each_other_give_way(db, importer, tracked, monkeypatch, caplog):  # noqa: F811
    """The second chunk writes the LRN it shares with the first before the first does: the first waits for that
    row, the second for the first's numbers. The second gives up after TURN_WAIT and is lodged line by line
    once the first has drawn; the answers are still those of one line after the other."""
    monkeypatch.setattr(lodging, "TURN_WAIT", 0.5)
    real, second_wrote = store.insert_lodgements, threading.Event()

    def second_first(session, lodgements, **kw):
        first = lodgements[0]["head"]["lrn"] == "W-1"
        if first and db.backend == "postgresql":
            assert second_wrote.wait(10)
        out = real(session, lodgements, **kw)
        if not first:
            second_wrote.set()
        return out

    monkeypatch.setattr(store, "insert_lodgements", second_first)
    monkeypatch.setattr(logging.getLogger("clearway"), "propagate", True)  # (whatever an earlier test left)
    caplog.set_level(logging.WARNING, logger="clearway")
    lines = [(n, doc) for n, doc in _lines("W") if n <= 8]
    lines[6] = (7, {**lines[0][1]})  # line 7 repeats line 1 exactly
    results = list(lodging.lodge_many(db.factory, principal=importer, lines=lines, chunk=4))
    assert _answers(results) == [
        (1, "accepted", "AUMEL"), (2, "accepted", "AUSYD"), (3, "accepted", "AUMEL"), (4, "accepted", "AUSYD"),
        (5, "accepted", "AUMEL"), (6, "refused", 422), (7, "already lodged", "AUMEL"), (8, "accepted", "AUMEL")]
    assert results[6]["mrn"] == results[0]["mrn"] and _numbers_in_line_order(results)
    assert tracked.peak == (2 if db.backend == "postgresql" else 1)
    gave_way = "a batch chunk of 4 lines failed as a whole (TimeoutError)" in caplog.text
    assert gave_way == (db.backend == "postgresql")
