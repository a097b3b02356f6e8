"""A local, durable queue between the MQTT broker and the database (SQLite, synchronous): the listener
(containers/mqtt.py) acknowledges a message only once it is written here, and deletes it only once the
transaction that stores its events has committed."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class Spool:
    """A local, durable queue between the broker and the database: messages are written here (fsync'd) and
    only then acknowledged, so the broker's own queue for us stays short (Mosquitto drops messages for a
    client that lets more than `max_queued_messages` pile up), while the database takes its time."""

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                          "topic TEXT NOT NULL, payload BLOB NOT NULL)")
        self.lock = threading.Lock()

    def put(self, items: list[tuple[str, bytes]]) -> None:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("INSERT INTO spool (topic, payload) VALUES (?, ?)", items)
            self.conn.execute("COMMIT")

    def take(self, limit: int) -> list[tuple[int, str, bytes]]:
        with self.lock:
            return self.conn.execute("SELECT id, topic, payload FROM spool ORDER BY id LIMIT ?", (limit,)).fetchall()

    def done(self, last_id: int) -> None:
        with self.lock:
            self.conn.execute("DELETE FROM spool WHERE id <= ?", (last_id,))

    def __len__(self) -> int:
        with self.lock:
            return self.conn.execute("SELECT count(*) FROM spool").fetchone()[0]

    def close(self) -> None:
        with self.lock:
            self.conn.close()
