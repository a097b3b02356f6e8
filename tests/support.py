"""Helpers shared by the tests (fixtures stay in conftest.py): the examples, PostgreSQL's reachability,
a free port and a real uvicorn server for any ASGI app."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.engine import make_url

from clearway.app import create_app
from clearway.config import Settings
from clearway.db import make_engine

PG_URL = os.environ.get("CLEARWAY_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example(name: str) -> dict:
    """One of the documents in examples/, as a fresh dict (safe to change)."""
    return json.loads((EXAMPLES / name).read_text())


def pg_reason() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it answers."""
    try:
        engine = make_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable here
        return f"no PostgreSQL reachable at {PG_URL}: {type(exc).__name__}"


def own_database(backend: str, tmp_path: Path, schema: str) -> str:
    """The URL of a database of a test's own: a file in `tmp_path` on SQLite; on PostgreSQL a fresh `schema` in
    the test database (the session's `db` fixture owns `public`), skipping when PostgreSQL is not reachable."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'clearway.db'}"
    reason = pg_reason()
    if reason:
        pytest.skip(reason)
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clearway_serve(*args: str, env: dict[str, str], wait: float = 120, probe: str = "/healthz",
                   stderr: Path | None = None) -> tuple[subprocess.Popen, int]:
    """`python -m clearway serve <args>` as a real process on a free port, once it answers `probe`: (the process,
    its port). Its standard error goes to the file `stderr` (else nowhere), and is told if it does not start. The
    caller stops it."""
    port = free_port()
    err = stderr.open("w") if stderr is not None else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(port), *args],
                            stdout=subprocess.DEVNULL, stderr=err, env=env)
    if stderr is not None:
        err.close()  # (the process has its own)
    deadline = time.monotonic() + wait
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=2)
            return proc, port
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                said = f": {stderr.read_text()}" if stderr is not None else ""
                pytest.fail(f"clearway serve {' '.join(args)} did not start{said}")
            time.sleep(0.2)


def serve_app(app: object) -> tuple[str, uvicorn.Server, threading.Thread]:
    """Any ASGI app on a real uvicorn server, on a free loopback port, in a thread: (url, server, thread)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


@dataclass
class Server:
    url: str
    app: object

    def forget_keys(self) -> None:
        self.app.state.ctx.forget_keys()


def start_server(settings: Settings) -> tuple[Server, uvicorn.Server, threading.Thread]:
    """The Clearway API on a real uvicorn server."""
    app = create_app(settings)
    url, server, thread = serve_app(app)
    return Server(url, app), server, thread
