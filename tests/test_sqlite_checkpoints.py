"""The embedded database's log is checkpointed by a thread of its own (clearway.sqlite_checkpoints), not by the
commit that fills it: the data reaches the database file, the log starts over, and the thread ends when idle."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from clearway import sqlite_checkpoints
from clearway.db import make_engine

BLOB = 100_000  # bytes a row: 25 pages of 4 KiB


def _until(what, seconds: float = 30.0) -> None:
    """Wait for the thread's work, by its result, never by a fixed sleep (a slow machine only takes longer)."""
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, "the checkpoint thread did not do its work in time"
        time.sleep(0.02)


def _write(engine, rows: int, start: int = 0) -> None:
    for k in range(start, start + rows):  # a commit a row, as lodgements come
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (k, v) VALUES (:k, randomblob(:n))"), {"k": k, "n": BLOB})


def test_the_log_is_copied_into_the_database_file_by_the_thread_not_by_commits(tmp_path):
    path = tmp_path / "c.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == sqlite_checkpoints.BACKSTOP_PAGES
        conn.exec_driver_sql("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")
    checkpoints = sqlite_checkpoints.for_file(str(path))
    _write(engine, 20)  # 2 MB, far below the commits' own backstop (80 MB): only the thread copies it
    _until(lambda: checkpoints.done >= 1 and path.stat().st_size >= 20 * BLOB)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), sum(length(v)) FROM t")).one() == (20, 20 * BLOB)
    engine.dispose()


def test_a_long_log_starts_over(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_checkpoints, "IDLE", 0.3)
    path, wal = tmp_path / "r.db", tmp_path / "r.db-wal"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")
    checkpoints = sqlite_checkpoints.for_file(str(path))
    _write(engine, 60)  # 6 MB of log: past RESTART_PAGES
    # The thread ends only once no commit came for IDLE seconds: its last checkpoint came after the last commit
    # and copied all of the log.
    _until(lambda: not checkpoints.running)
    assert path.stat().st_size >= 60 * BLOB
    first = wal.stat().st_size
    _write(engine, 60, start=60)  # the log starts over at the first of these: its file does not grow to 12 MB
    assert first >= 60 * BLOB
    assert wal.stat().st_size < first + 30 * BLOB
    engine.dispose()


def test_the_thread_ends_when_idle_and_a_commit_starts_another(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_checkpoints, "IDLE", 0.1)
    monkeypatch.setattr(sqlite_checkpoints, "INTERVAL", 0.0)
    path = tmp_path / "i.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")
    checkpoints = sqlite_checkpoints.for_file(str(path))
    _until(lambda: not checkpoints.running)
    done = checkpoints.done
    _write(engine, 1)
    _until(lambda: checkpoints.done > done)
    _until(lambda: not checkpoints.running)
    engine.dispose()


def test_a_removed_database_file_is_not_made_again(tmp_path):
    path = tmp_path / "gone.db"
    checkpoints = sqlite_checkpoints.Checkpointer(str(path))
    checkpoints.nudge()
    _until(lambda: not checkpoints.running)
    assert not Path(path).exists() and checkpoints.done == 0


def test_a_database_file_made_again_is_the_one_checkpointed(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_checkpoints, "IDLE", 120.0)  # the thread of the first file is still running
    path = tmp_path / "again.db"
    first = make_engine(f"sqlite:///{path}")
    with first.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")
    _write(first, 2)
    checkpoints = sqlite_checkpoints.for_file(str(path))
    _until(lambda: checkpoints.done >= 1)
    first.dispose()
    for name in ("again.db", "again.db-wal", "again.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    second = make_engine(f"sqlite:///{path}")  # (a demo database reset, say)
    with second.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")
    _write(second, 20)
    _until(lambda: path.stat().st_size >= 20 * BLOB)
    assert checkpoints.running and sqlite_checkpoints.for_file(str(path)) is checkpoints
    second.dispose()
