"""The embedded database's transaction turns: one at a time per process, always given back."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from clearway.db import make_engine, make_sessionmaker, transaction


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
