"""The embedded database's write-ahead log copied back into the database file on a thread of its own.

In WAL mode SQLite appends each commit to the `-wal` file; from time to time the log's pages are copied into
the database file (a checkpoint) so that the log can start over. By default the commit that takes the log past
1,000 pages runs that checkpoint itself, with the process's transaction turn still held (clearway.db): every
other writer waits for the copy and its two fsyncs, and a lodgement now and then takes several milliseconds
instead of one (issue 16). Here the application's connections checkpoint only as a backstop
(`BACKSTOP_PAGES`, if this thread falls far behind) and a thread per database file checkpoints at most every
`INTERVAL` seconds after commits, with SQLite's PASSIVE mode: it copies what no reader still needs, never
waits for a lock and never blocks a writer, and SQLite runs it with the interpreter lock released, so it uses
the other core. A thread idle for `IDLE` seconds ends (a new commit starts another)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

INTERVAL = 0.25  # seconds between two checkpoints while commits keep coming
RESTART_PAGES = 1_000  # pages of log (4 MB) from which the log is made to start over (as SQLite's default)
IDLE = 10.0  # seconds without a commit before the thread ends
BACKSTOP_PAGES = 20_000  # pages of log (80 MB) at which a commit checkpoints itself, as SQLite would at 1,000

_LOCK = threading.Lock()
_FILES: dict[str, Checkpointer] = {}


class Checkpointer:
    """Checkpoints one database file after commits (`nudge`); its thread runs while commits come."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.turn: threading.Lock | None = None  # the transaction turn of the newest engine on the file (for_file)
        self.wanted = threading.Event()
        self.running = False
        self.done = 0  # checkpoints run

    def nudge(self) -> None:
        """A commit happened: checkpoint soon. Cheap: an event set, and a thread started if none runs."""
        self.wanted.set()
        if not self.running:
            with _LOCK:
                if not self.running:
                    self.running = True
                    threading.Thread(target=self._run, name=f"wal-checkpoint {Path(self.path).name}",
                                     daemon=True).start()

    def _run(self) -> None:
        conn, opened = None, 0
        try:
            while self._wanted():
                inode = os.stat(self.path).st_ino
                if conn is None or inode != opened:  # (a file removed and made again: the new one)
                    if conn is not None:
                        conn.close()
                    # mode=rw: a database file removed meanwhile (a test's) is not created again.
                    conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, check_same_thread=False)
                    opened = inode
                self._checkpoint(conn)
                time.sleep(INTERVAL)
        except (sqlite3.Error, OSError):
            with _LOCK:  # the file is gone or unreadable: the connections' backstop checkpoints remain
                self.running = False
        finally:
            if conn is not None:
                conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        _, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.done += 1
        # The log starts over at the first write after a checkpoint that copied all of it, which commits
        # coming all the time never leave: once it is long, the few pages written during this copy are copied
        # again with the turn held (a writer waits for that short copy only).
        if log >= RESTART_PAGES and copied < log and self.turn is not None and self.turn.acquire(timeout=1):
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                self.turn.release()

    def _wanted(self) -> bool:
        """Wait for a commit; False (and the thread ends) after IDLE seconds without one."""
        if self.wanted.wait(IDLE):
            self.wanted.clear()
            return True
        with _LOCK:  # a nudge now either sees running still True and is taken here, or starts a new thread
            if self.wanted.is_set():
                self.wanted.clear()
                return True
            self.running = False
            return False


def for_file(path: str, turn: threading.Lock | None = None) -> Checkpointer:
    """The checkpointer of a database file: one a file per process, whichever engine asks; `turn`: the
    transaction turn of the engine that asks last (clearway.db), taken for the log's last pages."""
    key = str(Path(path).resolve())
    with _LOCK:
        found = _FILES.get(key)
        if found is None:
            found = _FILES[key] = Checkpointer(key)
        if turn is not None:  # the newest engine's (one made again on the same file: its turn)
            found.turn = turn
        return found
