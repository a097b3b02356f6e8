"""Declarations lodged per second: through the service layer, and over HTTP (sequential and with
concurrent clients), on SQLite and PostgreSQL. Baseline in the same run: a trivial HTTP endpoint
(/healthz) on the same server with the same client, i.e. the ceiling the framework allows.
Where `wrk` is installed (Debian package), lodging is also driven by it: a C load generator
leaves more of the 2 cores to the server than the Python client does.

    python benchmarks/bench_lodge.py [--n 2000] [--backends sqlite,postgresql] [--concurrency 1,8,32]
        [--workers 1,2] [--batch 10000]

wrk drives /healthz and lodging (a two-item declaration, full answer and `Prefer: return=minimal`) on the same
server; --workers runs `clearway serve --workers N` on PostgreSQL; --batch posts that many declarations to
POST /api/v1/declarations/batch in one request (three times, the median reported with the slowest and fastest;
then two at once when there are two workers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from clearway.auth.service import authenticate, create_key
from clearway.db import make_engine, make_sessionmaker, migrate, transaction
from clearway.declarations import service
from clearway.declarations.schemas import DeclarationIn
from clearway.demo_goods import declaration
from clearway.flows import lodging, preparing
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


def docs(n: int, tag: str, two_items: bool = False) -> list[dict]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        d = declaration("AU", i, rng)
        d["lrn"] = f"{tag}-{i}"
        if two_items:  # the yardstick: a declaration of two goods items
            d["items"] = (d["items"] * 2)[:2]
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


def cpu_per_lodgement(url: str, n: int) -> dict[str, float]:
    """In-process CPU ms per lodgement through the flow (process time: independent of the machine's load)."""
    key, factory = prepare(url)
    with factory() as s:
        who = authenticate(s, key)
    batch = docs(n, "cpu", two_items=True)
    t0 = time.process_time()
    for d in batch:
        with transaction(factory) as s:
            lodging.lodge(s, principal=who, decl=parse(DeclarationIn, d))
    return {"flow cpu ms": 1000 * (time.process_time() - t0) / n}


def cpu_per_batch_line(url: str, n: int) -> dict[str, float]:
    """In-process CPU ms per declaration lodged through the batch path (flows.lodging.lodge_many, no HTTP), n
    two-item declarations in one batch, its lines JSON text as the endpoint is given them; process time, so
    independent of the machine's load. Twice: the lines made ready in this process, and in a helper process
    (flows/preparing.py; its CPU apart)."""
    key, factory = prepare(url)
    with factory() as s:
        who = authenticate(s, key)
    helpers = preparing.Helpers(1)
    helpers.start()
    me = os.getpid()
    children = lambda: processes_cpu(lambda _, __, fields: int(fields[1]) == me)  # noqa: E731
    out = {}
    try:
        for name, where in (("", preparing.HERE), (" with a helper", helpers)):
            lines = [(number, orjson.dumps(doc)) for number, doc in
                     enumerate(docs(n, f"bcpu{name.strip()}", two_items=True), start=1)]
            before = children()
            t0 = time.process_time()
            results = list(lodging.lodge_many(factory, principal=who, lines=lines, helpers=where))
            cpu = time.process_time() - t0
            if [r for r in results if r["outcome"] != "accepted"]:
                raise RuntimeError("batch in-process: a line was not accepted")
            out[f"batch flow cpu ms{name}"] = 1000 * cpu / n
            if where is helpers:
                helper = children() - before
                out["batch helper cpu ms"] = 1000 * helper / n
    finally:
        helpers.close()
    return out


def processes_cpu(keep: Callable[[int, str, list[str]], bool]) -> float:
    """CPU time (user + system) used so far by the processes `keep` picks, given each one's pid, name and the
    fields of /proc/<pid>/stat after its name (the parent's pid is field 1)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()
        if keep(int(stat.parent.name), head.split(" (", 1)[-1], fields):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def postgres_cpu() -> float:
    """CPU time used so far by PostgreSQL's processes on this machine (its backends do a lodgement's SQL)."""
    return processes_cpu(lambda _, name, __: name.startswith("postgres"))


def machine_times() -> tuple[int, int]:
    """(all, idle) CPU time of the whole machine so far, in clock ticks (/proc/stat): whether the cores were
    full during a run, which says whether another worker could have added throughput."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]  # idle and waiting for I/O


def desk_groups(base: str) -> tuple[float, float]:
    """(groups, declarations) the server's lodging desk has committed so far, from /metrics (every worker's)."""
    got = {sample.name: sample.value for family in text_string_to_metric_families(httpx.get(f"{base}/metrics").text)
           for sample in family.samples if sample.name.startswith("clearway_desk_group_size_")}
    return got.get("clearway_desk_group_size_count", 0.0), got.get("clearway_desk_group_size_sum", 0.0)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by the server process and every process under it (its workers, their
    batch helpers): per request this does not depend on what else the shared machine is running, unlike requests
    per second."""
    parents: dict[int, int] = {}
    processes_cpu(lambda each, _, fields: parents.setdefault(each, int(fields[1])) is None)
    tree, grew = {pid}, True
    while grew:
        more = {each for each, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return processes_cpu(lambda each, _, __: each in tree)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int = 1) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(port), "--workers", str(workers),
                             "--no-access-log"],
                            # no per-key rate limit: one key measures the capacity, not the limit's policy
                            env={**os.environ, "CLEARWAY_DATABASE_URL": url, "CLEARWAY_RATE_LIMIT": "0"},
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # its workers stop with it
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                wait_idle(proc.pid)
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("server did not start")


def wait_idle(pid: int, every: float = 0.5, limit: float = 120) -> None:
    """Until the server, its workers and PostgreSQL have used (almost) no CPU for `every` seconds twice in a row:
    `clearway serve` answers while each worker still loads the HS finder in the background (about 4 CPU-seconds)
    and, on a fresh PostgreSQL database, one fills the finder's index (the database's CPU, the other worker
    waiting on its lock meanwhile), which a measurement started at once would count as the requests' cost and
    wait for. (Two workers on a fresh database measured 592 lodgements a second at 8 clients when the run began
    while the index was being filled, 1,023 after it.)"""
    def used() -> float:
        return cpu_seconds(pid) + postgres_cpu()

    deadline, before, quiet = time.monotonic() + limit, used(), 0
    while time.monotonic() < deadline:
        time.sleep(every)
        now = used()
        quiet = quiet + 1 if now - before < 0.05 * every else 0
        if quiet == 2:
            return
        before = now


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
                    ["Authorization"] = "Bearer __KEY__"__PREFER__}, body)
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


def wrk_lodge(base: str, key: str, concurrency: int, seconds: int, tmp: Path,
              minimal: bool = False) -> tuple[float, float]:
    """(lodged per second, p99 latency in ms) with wrk, a C load generator that leaves the CPU to the server."""
    body = json.dumps(docs(1, "x", two_items=True)[0]).replace("x-0", "__LRN__")
    script = tmp / f"lodge-{concurrency}-{minimal}.lua"
    tag = f"W{concurrency}{'m' if minimal else 'f'}{time.monotonic_ns() % 10**6}"
    script.write_text(WRK_SCRIPT.replace("__BODY__", body).replace("__KEY__", key).replace("__RUN__", tag)
                      .replace("__PREFER__", ', ["Prefer"] = "return=minimal"' if minimal else ""))
    return _wrk(base, concurrency, seconds, script)


def wrk_healthz(base: str, concurrency: int, seconds: int, tmp: Path) -> tuple[float, float]:
    script = tmp / "healthz.lua"
    script.write_text(WRK_HEALTHZ)
    return _wrk(base, concurrency, seconds, script, path="/healthz")


WRK_HEALTHZ = r"""
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %.3f %d %.1f\n", summary.requests, summary.duration / 1e6,
                         summary.errors.status, latency:percentile(99) / 1000))
end
"""


def _wrk(base: str, concurrency: int, seconds: int, script: Path, path: str = "") -> tuple[float, float]:
    threads = min(2, concurrency)
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "-s", str(script), base + path],
                          capture_output=True, text=True, timeout=seconds + 60)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    _, requests, duration, failed, p99 = line.split()
    if int(failed):
        raise RuntimeError(f"{failed} of {requests} requests failed under wrk")
    return int(requests) / float(duration), float(p99)


BATCH_RUNS = 3  # batch requests of each kind a run: the median is reported, with the slowest and fastest


def bench_batch(base: str, key: str, n: int, clients: int = 1) -> float:
    """Declarations per second through POST /api/v1/declarations/batch: `clients` requests of n lines each at
    once (a broker's backlog sent on several connections), from sending to the last result line of the last."""
    tag = f"batch{time.monotonic_ns()}"
    bodies = ["".join(json.dumps(d) + "\n" for d in docs(n, f"{tag}-{k}", two_items=True)).encode()
              for k in range(clients)]

    def send(body: bytes) -> None:  # (the answer read whole and parsed by orjson: the client's CPU is the server's)
        r = httpx.post(f"{base}/api/v1/declarations/batch", content=body, timeout=600,
                       headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"})
        results = [orjson.loads(x) for x in r.content.splitlines() if x.strip()]
        refused = [x for x in results if x["outcome"] != "accepted"]
        if len(results) != n or refused:
            raise RuntimeError(f"batch: {len(results)} results, {len(refused)} not accepted: {refused[:1]}")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, bodies))
    return n * clients / (time.perf_counter() - t0)


def bench_http(url: str, n: int, concurrency: list[int], tmp: Path, seconds: int, workers: int = 1,
               batch: int = 0) -> dict[str, float]:
    key, _ = prepare(url)
    proc, base = start_server(url, workers)
    try:
        out = {}
        for c in concurrency:
            if shutil.which("wrk"):
                for name in ("healthz", "lodge", "minimal"):
                    cpu, pg, (ticks, idle), groups = cpu_seconds(proc.pid), postgres_cpu(), machine_times(), desk_groups(base)
                    rate, p99 = (wrk_healthz(base, c, seconds, tmp) if name == "healthz"
                                 else wrk_lodge(base, key, c, seconds, tmp, minimal=name == "minimal"))
                    out[f"{name} c={c}/s"], out[f"{name} c={c} p99 ms"] = rate, p99
                    out[f"{name} c={c} server cpu ms"] = 1000 * (cpu_seconds(proc.pid) - cpu) / (rate * seconds)
                    if name == "lodge":
                        ticks_after, idle_after = machine_times()
                        out[f"lodge c={c} machine busy %"] = 100 * (1 - (idle_after - idle) / (ticks_after - ticks))
                        count, lodged = (after - before for after, before in zip(desk_groups(base), groups))
                        out[f"lodge c={c} mean group"] = lodged / count if count else 0.0
                        if url.startswith("postgresql"):
                            out[f"lodge c={c} postgres cpu ms"] = 1000 * (postgres_cpu() - pg) / (rate * seconds)
            else:
                out[f"healthz c={c}"] = asyncio.run(drive(base, key, None, n, c))
                bodies = [json.dumps(d).encode() for d in docs(n, f"http{c}", two_items=True)]
                out[f"lodge c={c}"] = asyncio.run(drive(base, key, bodies, n, c))
        if batch:  # each BATCH_RUNS times: one request takes well under a second, so one alone swings with the VM
            for clients in sorted({1, workers}):
                cpu = cpu_seconds(proc.pid)
                rates = sorted(bench_batch(base, key, batch, clients) for _ in range(BATCH_RUNS))
                out[f"batch {batch} x{clients}/s"] = statistics.median(rates)
                out[f"batch {batch} x{clients} slowest/s"], out[f"batch {batch} x{clients} fastest/s"] = rates[0], rates[-1]
                out[f"batch x{clients} server cpu ms"] = (1000 * (cpu_seconds(proc.pid) - cpu)
                                                          / (batch * clients * BATCH_RUNS))
        return out
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    ap.add_argument("--workers", default="1", help="server processes to try on PostgreSQL, e.g. 1,2")
    ap.add_argument("--batch", type=int, default=0, help="declarations in one batch request (0: none)")
    ap.add_argument("--skip-service", action="store_true", help="HTTP only")
    args = ap.parse_args()
    conc = [int(c) for c in args.concurrency.split(",")]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            workers = [int(w) for w in args.workers.split(",")] if backend == "postgresql" else [1]
            for w in workers:
                r = {} if args.skip_service else bench_service(fresh_url(backend, Path(tmp)), args.n)
                r.update(cpu_per_lodgement(fresh_url(backend, Path(tmp)), min(args.n, 300)))
                if args.batch:
                    r.update(cpu_per_batch_line(fresh_url(backend, Path(tmp)), args.batch))
                r.update(bench_http(fresh_url(backend, Path(tmp)), args.n, conc, Path(tmp), args.seconds, w,
                                    args.batch))
                r["load average"] = os.getloadavg()[0]
                results[f"{backend} workers={w}"] = r
                print(json.dumps({f"{backend} workers={w}": {k: round(v, 3) for k, v in r.items()}}), flush=True)
    print(f"{'backend':<24}{'path':<22}{'per second':>12}")
    for backend, r in results.items():
        for path, rate in r.items():
            print(f"{backend:<24}{path:<22}{rate:>12.1f}")
    print(json.dumps({b: {k: round(v, 1) for k, v in r.items()} for b, r in results.items()}))


if __name__ == "__main__":
    main()
