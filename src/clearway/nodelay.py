"""Each HTTP connection `clearway serve` accepts is sent without Nagle's delay (TCP_NODELAY), with any number
of workers.

asyncio turns Nagle's algorithm off on the connections it accepts only when the listening socket says it is TCP
by its protocol number (`sock.proto == IPPROTO_TCP`). One uvicorn process makes its own listening socket that
way; with `--workers N` uvicorn binds one itself, `socket.socket(family=...)`, whose protocol number is 0, and
hands it to the workers: their connections kept Nagle's algorithm. An answer goes out in two writes (the head,
then the body), and the body then waited for the client's acknowledgement of the head, which the client
delays by up to 40 ms: measured on 2026-12-07 on a 2-core VM, `/healthz` on one keep-alive connection took
41-46 ms a request with two workers against 2 ms with one (22/s against 935/s; 8 clients 172/s), the old code
and the new alike, after an earlier run of the same day had not shown it (issue 16, docs/benchmarks.md). This
protocol sets TCP_NODELAY on each connection as it is made, then is uvicorn's own."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTP(AutoHTTPProtocol):  # type: ignore[misc,valid-type]  # (httptools' protocol, else h11's)
    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # (the client already gone: uvicorn's own handling follows)
                pass
        super().connection_made(transport)  # type: ignore[arg-type]
