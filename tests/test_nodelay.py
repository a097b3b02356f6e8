"""Answers go out without Nagle's delay with any number of workers (clearway/nodelay.py, issue 16).

With `clearway serve --workers 2` uvicorn's listening socket said protocol 0, so asyncio left Nagle's algorithm
on for the connections the workers accepted, and an answer's body waited for the client's delayed acknowledgement
of its head: 41-46 ms a request on one keep-alive connection, measured on 2026-12-07 (docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from uvicorn.config import Config
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import ServerState

from clearway.nodelay import NoDelayHTTP
from tests.support import clearway_serve


async def _nodelay_of_accepted(protocol: type) -> int:
    """TCP_NODELAY of the server's end of a connection accepted on a listening socket made as uvicorn makes it
    for several workers (`socket.socket(family=AF_INET)`: protocol number 0), served by `protocol`."""
    config = Config(app=lambda scope, receive, send: None, lifespan="off", log_level="warning")
    config.load()
    state = ServerState()
    made: list[asyncio.Protocol] = []

    def factory() -> asyncio.Protocol:
        made.append(protocol(config=config, server_state=state, app_state={}))
        return made[-1]

    listening = socket.socket(family=socket.AF_INET)
    listening.bind(("127.0.0.1", 0))
    assert listening.proto == 0
    server = await asyncio.get_running_loop().create_server(factory, sock=listening)
    try:
        _, writer = await asyncio.open_connection(*listening.getsockname())
        for _ in range(100):
            if made and getattr(made[0], "transport", None) is not None:
                break
            await asyncio.sleep(0.01)
        served = made[0].transport.get_extra_info("socket")  # type: ignore[attr-defined]
        value = served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        writer.close()
        return value
    finally:
        server.close()
        await server.wait_closed()


def test_a_connection_a_worker_accepts_is_sent_without_nagles_delay():
    with ThreadPoolExecutor(1) as pool:  # (a loop of its own: a test before may have left one running here)
        assert pool.submit(asyncio.run, _nodelay_of_accepted(AutoHTTPProtocol)).result() == 0  # (the fault)
        assert pool.submit(asyncio.run, _nodelay_of_accepted(NoDelayHTTP)).result() != 0


def _head_to_end(conn: socket.socket, request: bytes) -> float:
    """Seconds between the end of an answer's head and the end of its body, on a keep-alive connection."""
    conn.sendall(request)
    got = b""
    while b"\r\n\r\n" not in got:
        got += conn.recv(65536)
    head_at = time.perf_counter()
    head, _, body = got.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += conn.recv(65536)
    assert body == b'{"status":"ok"}'
    return time.perf_counter() - head_at


def test_two_workers_send_an_answers_body_with_its_head_on_a_keep_alive_connection(tmp_path: Path):
    """`clearway serve --workers 2` as a real process: thirty requests one after the other on one connection;
    each answer's body comes right after its head, not the 40 ms of a delayed acknowledgement later (a gap the
    machine's load does not make: both are written one after the other)."""
    env = {"PATH": "/usr/bin:/bin", "CLEARWAY_DATA_DIR": str(tmp_path / "data")}
    proc, port = clearway_serve("--workers", "2", "--no-access-log", env=env)
    try:
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            gaps = [_head_to_end(conn, request) for _ in range(33)]
        assert statistics.median(gaps[3:]) < 0.02, gaps
    finally:
        proc.terminate()
        proc.wait(timeout=30)
