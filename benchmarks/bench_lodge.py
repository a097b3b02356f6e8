"""Declarations lodged per second: through the service layer, and over HTTP (sequential and with
concurrent clients), on SQLite and PostgreSQL. Baseline in the same run: a trivial HTTP endpoint
(/healthz) on the same server with the same client, i.e. the ceiling the framework allows.

    python benchmarks/bench_lodge.py [--n 2000] [--backends sqlite,postgresql] [--concurrency 1,8,32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from clearway.auth.service import authenticate, create_key
from clearway.db import make_engine, make_sessionmaker, migrate, transaction
from clearway.declarations import service
from clearway.declarations.schemas import DeclarationIn
from clearway.demo import declaration
from clearway.validation import parse

PG = os.environ.get("CLEARWAY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fresh_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'bench-{time.monotonic_ns()}.db'}"
    engine = make_engine(PG)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return PG


def docs(n: int, tag: str) -> list[dict]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        d = declaration("AU", i, rng)
        d["lrn"] = f"{tag}-{i}"
        out.append(d)
    return out


def prepare(url: str) -> tuple[str, object]:
    engine = make_engine(url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as s:
        key, _ = create_key(s, role="declarant", economy="AU", party_id="AU-DEMO-BROKER-1", actor="bench")
    return key, factory


def bench_service(url: str, n: int) -> float:
    key, factory = prepare(url)
    with factory() as s:
        who = authenticate(s, key)
    batch = docs(n, "svc")
    t0 = time.perf_counter()
    for d in batch:
        with transaction(factory) as s:
            service.lodge(s, principal=who, decl=parse(DeclarationIn, d))
    return n / (time.perf_counter() - t0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(port)],
                            env={**os.environ, "CLEARWAY_DATABASE_URL": url}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


async def drive(base: str, key: str, bodies: list[bytes] | None, n: int, concurrency: int) -> float:
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:
        queue = list(range(n))
        failures = 0

        async def worker() -> None:
            nonlocal failures
            while queue:
                i = queue.pop()
                if bodies is None:
                    r = await client.get("/healthz")
                    failures += r.status_code != 200
                else:
                    r = await client.post("/api/v1/declarations", content=bodies[i])
                    failures += r.status_code != 201
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    if failures:
        raise RuntimeError(f"{failures} requests failed")
    return n / elapsed


def bench_http(url: str, n: int, concurrency: list[int]) -> dict[str, float]:
    key, _ = prepare(url)
    proc, base = start_server(url)
    try:
        out = {}
        for c in concurrency:
            out[f"healthz c={c}"] = asyncio.run(drive(base, key, None, n, c))
            bodies = [json.dumps(d).encode() for d in docs(n, f"http{c}")]
            out[f"lodge c={c}"] = asyncio.run(drive(base, key, bodies, n, c))
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--concurrency", default="1,8,32")
    args = ap.parse_args()
    conc = [int(c) for c in args.concurrency.split(",")]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            r = {"service": bench_service(fresh_url(backend, Path(tmp)), args.n)}
            r.update(bench_http(fresh_url(backend, Path(tmp)), args.n, conc))
            results[backend] = r
    print(f"{'backend':<12}{'path':<18}{'per second':>12}")
    for backend, r in results.items():
        for path, rate in r.items():
            print(f"{backend:<12}{path:<18}{rate:>12.0f}")
    print(json.dumps({b: {k: round(v) for k, v in r.items()} for b, r in results.items()}))


if __name__ == "__main__":
    main()
