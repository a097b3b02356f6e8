"""The embedded database's transaction turns: one at a time per process, always given back."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from clearway.db import advance_counters, make_engine, make_sessionmaker, transaction


def test_turns_are_given_back_on_commit_rollback_and_close(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    factory = make_sessionmaker(engine)
    with transaction(factory) as s:
        s.execute(text("create table t (n integer)"))
    with pytest.raises(ZeroDivisionError):
        with transaction(factory) as s:
            s.execute(text("insert into t values (1)"))
            raise ZeroDivisionError
    with factory() as s:  # a read that is simply closed
        assert s.execute(text("select count(*) from t")).scalar() == 0
    conn = engine.connect()
    conn.begin()
    conn.invalidate()  # closed mid-transaction
    done = []

    def writer(i):
        with transaction(factory) as s:
            s.execute(text("insert into t values (:n)"), {"n": i})
        done.append(i)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(done) == list(range(20))
    with factory() as s:
        assert s.execute(text("select count(*) from t")).scalar() == 20
    engine.dispose()


def test_several_counters_advance_together_each_gap_free_a_new_one_made_and_a_rollback_undone(db):
    """db.advance_counters (a batch's MRNs: one counter per office and year), on both databases; on PostgreSQL
    the updates go in one round trip, in name order."""
    with transaction(db.factory) as s:
        first = advance_counters(s, {"t:b": 3, "t:a": 2})
    with transaction(db.factory) as s:
        again = advance_counters(s, {"t:a": 1, "t:c": 4, "t:b": 2})
    assert first == {"t:a": range(1, 3), "t:b": range(1, 4)}
    assert again == {"t:a": range(3, 4), "t:b": range(4, 6), "t:c": range(1, 5)}
    with pytest.raises(ZeroDivisionError):
        with transaction(db.factory) as s:
            advance_counters(s, {"t:a": 5, "t:b": 5})
            raise ZeroDivisionError
    with transaction(db.factory) as s:
        assert advance_counters(s, {"t:a": 1, "t:b": 1}) == {"t:a": range(4, 5), "t:b": range(6, 7)}
