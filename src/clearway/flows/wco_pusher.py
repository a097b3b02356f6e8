"""The background worker that pushes WCO response messages to the declarants' callbacks: `clearway serve`
runs one (every CLEARWAY_WCO_PUSH_SECONDS), `clearway wco push --follow` runs one alone. Each round is
flows.wco.push: what is new is scheduled, what is due is sent, failures wait a doubling time. A round that
fails (the database away) is logged and tried again at the next one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy.orm import Session, sessionmaker

from clearway.db import utcnow
from clearway.flows import wco as wco_flow
from clearway.wco.profile import Profile

log = logging.getLogger("clearway.wco.push")

TIMEOUT = 30.0  # seconds a callback has to answer one message


class Pusher:
    def __init__(self, factory: sessionmaker[Session], *, profile: Profile, allowed_hosts: tuple[str, ...],
                 seconds: float, clock: Callable[[], datetime] = utcnow, timeout: float = TIMEOUT) -> None:
        self.factory, self.profile, self.allowed_hosts = factory, profile, allowed_hosts
        self.seconds, self.clock, self.timeout = seconds, clock, timeout
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="wco-pusher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.timeout + 10)

    def run(self) -> None:
        """Rounds until stopped: the first at once, then one every `seconds`."""
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while True:
                self.tick(client)
                if self._stop.wait(self.seconds):
                    return

    def tick(self, client: httpx.Client) -> wco_flow.Pushed | None:
        try:
            done = wco_flow.push(self.factory, now=self.clock(), profile=self.profile, client=client,
                                 allowed_hosts=self.allowed_hosts)
        except Exception:  # noqa: BLE001 - a failed round is tried again at the next one; the log says why
            log.exception("pushing WCO response messages failed; retrying at the next round")
            return None
        finally:
            self.rounds += 1
        if done.scheduled or done.delivered or done.failed:
            log.info("wco push: %d scheduled, %d delivered, %d failed", done.scheduled, done.delivered, done.failed)
        return done
