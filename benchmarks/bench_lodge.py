"""Declarations lodged per second: through the service layer, and over HTTP (sequential and with
concurrent clients), on SQLite and PostgreSQL. Baseline in the same run: a trivial HTTP endpoint
(/healthz) on the same server with the same client, i.e. the ceiling the framework allows.
Where `wrk` is installed (Debian package), lodging is also driven by it: a C load generator
leaves more of the 2 cores to the server than the Python client does.

    python benchmarks/bench_lodge.py [--n 2000] [--backends sqlite,postgresql] [--concurrency 1,8,32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
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
from clearway.demo_goods import declaration
from clearway.flows import lodging
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


def bench_service(url: str, n: int) -> dict[str, float]:
    """Lodged per second in-process: the declarations service alone, and the lodging flow (the same
    plus the ePhyto and seal checks), which is what the HTTP route runs."""
    key, factory = prepare(url)
    with factory() as s:
        who = authenticate(s, key)
    out = {}
    for name, lodge in (("service", service.lodge), ("flow", lodging.lodge)):
        batch = docs(n, name)
        t0 = time.perf_counter()
        for d in batch:
            with transaction(factory) as s:
                lodge(s, principal=who, decl=parse(DeclarationIn, d))
        out[name] = n / (time.perf_counter() - t0)
    return out


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


WRK_SCRIPT = r"""
local template = [==[__BODY__]==]
local counter, threads, failures = 0, {}, 0
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  failed = 0
end
function request()
  counter = counter + 1
  local body = string.gsub(template, "__LRN__", "__RUN__-" .. tid .. "-" .. counter)
  return wrk.format("POST", "/api/v1/declarations", {["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer __KEY__"}, body)
end
function response(status, headers, body)
  if status ~= 201 then failed = failed + 1 end
end
function done(summary, latency, requests)
  local f = 0
  for _, t in ipairs(threads) do f = f + t:get("failed") end
  io.write(string.format("RESULT %d %.3f %d %.1f\n", summary.requests, summary.duration / 1e6, f,
                         latency:percentile(99) / 1000))
end
"""


def wrk_lodge(base: str, key: str, concurrency: int, seconds: int, tmp: Path) -> tuple[float, float]:
    """(lodged per second, p99 latency in ms) with wrk, a C load generator that leaves the CPU to the server."""
    body = json.dumps(docs(1, "x")[0]).replace("x-0", "__LRN__")
    script = tmp / f"lodge-{concurrency}.lua"
    script.write_text(WRK_SCRIPT.replace("__BODY__", body).replace("__KEY__", key)
                      .replace("__RUN__", f"W{concurrency}"))  # each run its own LRNs
    threads = min(2, concurrency)
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "-s", str(script), base],
                          capture_output=True, text=True, timeout=seconds + 60)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    _, requests, duration, failed, p99 = line.split()
    if int(failed):
        raise RuntimeError(f"{failed} of {requests} lodgements failed under wrk")
    return int(requests) / float(duration), float(p99)


def bench_http(url: str, n: int, concurrency: list[int], tmp: Path, seconds: int) -> dict[str, float]:
    key, _ = prepare(url)
    proc, base = start_server(url)
    try:
        out = {}
        for c in concurrency:
            out[f"healthz c={c}"] = asyncio.run(drive(base, key, None, n, c))
            bodies = [json.dumps(d).encode() for d in docs(n, f"http{c}")]
            out[f"lodge c={c}"] = asyncio.run(drive(base, key, bodies, n, c))
            if shutil.which("wrk"):
                out[f"lodge wrk c={c}"], out[f"p99 ms wrk c={c}"] = wrk_lodge(base, key, c, seconds, tmp)
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    args = ap.parse_args()
    conc = [int(c) for c in args.concurrency.split(",")]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            r = bench_service(fresh_url(backend, Path(tmp)), args.n)
            r.update(bench_http(fresh_url(backend, Path(tmp)), args.n, conc, Path(tmp), args.seconds))
            results[backend] = r
    print(f"{'backend':<12}{'path':<18}{'per second':>12}")
    for backend, r in results.items():
        for path, rate in r.items():
            print(f"{backend:<12}{path:<18}{rate:>12.0f}")
    print(json.dumps({b: {k: round(v) for k, v in r.items()} for b, r in results.items()}))


if __name__ == "__main__":
    main()
