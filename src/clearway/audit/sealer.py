"""The sealer as a background thread of the server: every interval it seals what has been committed since.
Each worker process runs one; on PostgreSQL they take turns by an advisory lock, and a worker that finds the
lock taken simply waits for the next tick. Once an hour it also makes the coming months' partitions of the audit
log and the declarations (PostgreSQL; clearway/partitions.py)."""

from __future__ import annotations

import logging
import threading
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from clearway import partitions
from clearway.audit.partitions import AUDIT
from clearway.audit.service import seal_all
from clearway.db import transaction, utcnow

log = logging.getLogger("clearway.audit")
UPKEEP_SECONDS = 3600.0  # between two checks that the coming months' partitions are there


class Sealer:
    def __init__(self, factory: sessionmaker[Session], *, key: Ed25519PrivateKey | None, seconds: float,
                 monthly: tuple[partitions.Parent, ...] = (AUDIT,)) -> None:
        """`monthly`: the tables partitioned by month whose coming months it makes (the server's: every one)."""
        self.factory, self.key, self.seconds, self.monthly = factory, key, seconds, monthly
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)
        self._upkeep_due = 0.0  # monotonic time of the next partitions check (the first tick checks)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            self.tick()
        self.tick()  # what was committed before shutdown is sealed too

    def tick(self) -> None:
        if time.monotonic() >= self._upkeep_due:
            self._upkeep_due = time.monotonic() + UPKEEP_SECONDS
            self.upkeep()
        try:
            with transaction(self.factory) as session:
                seal_all(session, key=self.key)
        except Exception:  # noqa: BLE001 - a failed seal is retried at the next tick; the log says why
            log.exception("sealing the audit log failed; retrying at the next tick")

    def upkeep(self) -> None:
        try:
            with transaction(self.factory) as session:
                made = partitions.ensure(session.connection(), self.monthly, now=utcnow())
            if made:
                log.info("monthly partitions made: %s", ", ".join(made))
        except Exception:  # noqa: BLE001 - retried at the next check; events meanwhile go to the default partition
            log.exception("making the coming months' partitions failed; retrying in an hour")
