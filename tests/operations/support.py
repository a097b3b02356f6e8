"""Helpers of the fault tests (tests/operations/test_faults*.py): `clearway serve` as a real process that a test
can kill, and a private PostgreSQL cluster that a test can stop and start (never the shared server)."""

from __future__ import annotations

import copy
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import example, free_port

DECLARANT = "AU-ABN-11222333444"
# CI sets it (.ci/run): what a test needs and cannot find here is then a failure, not a skip.
REQUIRED = os.environ.get("CLEARWAY_DOCS_TEST_REQUIRED") == "1"


def declaration(lrn: str) -> dict:
    """The T-shirts import of examples/ with a second item: a declaration stored without all its items would show."""
    d = example("tariff-au-tshirts.json")
    d["lrn"] = lrn
    second = copy.deepcopy(d["items"][0])
    second.update(description="Cotton T-shirts, children's sizes", quantity="400", value="500.00")
    d["items"].append(second)
    return d


class ServeProcess:
    """`python -m clearway serve` on a free loopback port, in a process group of its own, against `database_url`.
    `kill()` is SIGKILL (no shutdown, no flush: what a crash or the OOM killer does); `start()` again serves the
    same database on a new port."""

    def __init__(self, tmp_path: Path, database_url: str, *, name: str = "serve") -> None:
        self.dir = tmp_path
        self.database_url = database_url
        self.name = name
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.starts = 0

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARWAY_", "OTEL_"))}
        env.update({"CLEARWAY_DATA_DIR": str(self.dir / "data"), "CLEARWAY_DATABASE_URL": self.database_url,
                    "CLEARWAY_RATE_LIMIT": "0", "CLEARWAY_BAD_KEY_LIMIT": "0", "COLUMNS": "200"})
        return env

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.dir.glob(f"{self.name}-*.log")))

    def start(self) -> str:
        self.starts += 1
        port = free_port()
        log = (self.dir / f"{self.name}-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(port)],
                                     stdout=log, stderr=subprocess.STDOUT, env=self.env(), start_new_session=True)
        log.close()
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"clearway serve exited {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self.url
            except httpx.TransportError:
                time.sleep(0.1)
        self.kill()
        pytest.fail(f"clearway serve did not answer within 120 s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL to the server's own process group (it has no other members unless it forked workers)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def unavailable(reason: str) -> None:
    """Skip with the reason, or fail with it where the test is required (CI)."""
    if REQUIRED:
        pytest.fail(f"CLEARWAY_DOCS_TEST_REQUIRED=1 and {reason}")
    pytest.skip(reason)


class PrivateCluster:
    """A PostgreSQL cluster of this test alone: initdb into `where`, listening on 127.0.0.1 at a free port with its
    unix socket in `where`, trust authentication. Run as the `postgres` system user when the test runs as root
    (initdb refuses root). `stop()` is an immediate shutdown (what a crash of the server looks like to clients)."""

    def __init__(self, where: Path) -> None:
        self.dir = where
        self.data = where / "pgdata"
        self.port = free_port()
        self.bin = _binaries()
        self.user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.dir)

    def create(self) -> None:
        if self.bin is None:
            unavailable("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin")
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root and there is no `postgres` user to run initdb as")
            if shutil.which("runuser") is None:
                unavailable("running as root and there is no `runuser` to run initdb as `postgres`")
            self.user = "postgres"
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                         "--no-sync", "--locale=C")
        if done.returncode != 0:
            unavailable(f"initdb failed: {done.stderr.strip()[-500:]}")
        self.start()

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        done = self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "pg.log"), "-w", "-t", "60",
                         "start")
        if done.returncode != 0:
            log = (self.dir / "pg.log").read_text(errors="replace")[-1500:] if (self.dir / "pg.log").exists() else ""
            unavailable(f"pg_ctl start failed: {done.stderr.strip()[-500:]} {log}")

    def stop(self, mode: str = "immediate") -> None:
        if self.bin is None or not (self.data / "postmaster.pid").exists():
            return
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
