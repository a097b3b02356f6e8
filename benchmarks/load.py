"""Mixed load (issue 18): N concurrent clients lodge, read, assess, pay and upload parcel manifests for a fixed
time against a server this script starts (`clearway serve --workers N` on PostgreSQL, one process on SQLite),
then check that every acknowledged declaration and payment is stored exactly once (querying the database
directly) and that the audit chain verifies (`clearway audit verify`).

    python benchmarks/load.py [--backend postgresql|sqlite] [--clients 32] [--seconds 60] [--workers 2]
        [--seed 18] [--baseline-seconds 10] [--warm-up 8] [--pg URL] [--json FILE] [--keep DIR]

Baseline in the same run: the same clients (the same generator, keys and connections) ask /healthz for
--baseline-seconds first, i.e. what this generator and the framework allow on this machine. Each client is one
declarant's system with its own API key and one keep-alive connection; its requests follow its own random
stream, drawn from --seed, so two runs with the same seed send the same mix in the same order per client.
Exit code 1 when the end-of-run check finds anything lost or stored twice, or the audit chain does not verify.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from bench_lodge import cpu_seconds, free_port, processes_cpu, wait_idle
from clearway.auth.service import create_key
from clearway.db import make_engine, make_sessionmaker, migrate, transaction

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PG = os.environ.get("CLEARWAY_LOAD_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/load_run")
DECLARANT = "AU-ABN-11222333444"  # the party of the example declaration; every client's key is issued to it
# Share of each operation in the mix. "pay" is two requests: the payment reference, then the payment.
MIX = {"lodge": 25, "read": 35, "assess": 20, "pay": 15, "manifest": 5}
VALUES = ("180.00", "950.00", "2000.00", "4800.00", "12500.00")  # under and over AU's AUD 1,000 de minimis


# ---- the database ----

def fresh_database(backend: str, tmp: Path, pg: str) -> str:
    """An empty, migrated database: a new SQLite file, or `pg` (created when missing, its schema emptied)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'load.db'}"
    else:
        url = pg
        _create_pg_database(url, url.rsplit("/", 1)[1])
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def _create_pg_database(url: str, name: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_pg_database(url: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def issue_keys(url: str, n: int) -> list[str]:
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with transaction(factory) as s:
        keys = [create_key(s, role="declarant", economy="AU", party_id=DECLARANT, actor="load")[0] for _ in range(n)]
    engine.dispose()
    return keys


# ---- the server ----

def start_server(url: str, workers: int, access_log: bool, rate_limit: str | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "CLEARWAY_DATABASE_URL": url}
    if rate_limit is not None:
        env["CLEARWAY_RATE_LIMIT"] = rate_limit
    cmd = [sys.executable, "-m", "clearway", "serve", "--port", str(port), "--workers", str(workers),
           "--log-level", "warning"] + ([] if access_log else ["--no-access-log"])
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # its workers stop with it
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded shared machine can take a minute to start two workers
    up = 0
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                up += 1
                if up >= 2 * workers:  # let every worker answer at least once (the OS spreads connections)
                    wait_idle(proc.pid)  # and finish warming up
                    return proc, base
                continue
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError("server did not start")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


# ---- the clients ----

@dataclass
class Tally:
    """What the clients saw: latencies per operation, answers by status, and what the server acknowledged."""
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    declarations: dict[str, str] = field(default_factory=dict)  # MRN -> LRN, every 201 to a lodgement
    payments: dict[str, str] = field(default_factory=dict)  # receipt -> MRN, every 201 to a payment
    slow: list[tuple[str, float, float]] = field(default_factory=list)  # (operation, started at s, took s) over 5 s
    started: float = field(default_factory=time.perf_counter)

    def add(self, op: str, seconds: float, status: int | str) -> None:
        self.latencies[op].append(seconds)
        self.statuses[op][status] += 1
        if seconds > 5:
            self.slow.append((op, round(time.perf_counter() - seconds - self.started, 1), round(seconds, 1)))


class Client:
    """One declarant's system: its own key, one keep-alive connection, its own random stream."""

    def __init__(self, base: str, key: str, index: int, seed: int, run: str, manifest: bytes) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=600 if run.startswith("WARM") else 60,
                                      headers={"Authorization": f"Bearer {key}"},
                                      limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        self.rng = random.Random(seed * 1000 + index)
        self.index, self.run, self.manifest, self.count = index, run, manifest, 0
        self.example = json.loads((EXAMPLES / "tariff-au-tshirts.json").read_text())
        self.lodged: list[str] = []  # accepted, not yet assessed
        self.due: list[tuple[str, str]] = []  # assessed with something to pay: (MRN, amount)
        self.known: list[str] = []  # every MRN this client lodged

    async def call(self, tally: Tally, op: str, method: str, path: str, **kw) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            r = await self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            tally.add(op, time.perf_counter() - started, type(exc).__name__)
            return None
        tally.add(op, time.perf_counter() - started, r.status_code)
        return r

    def pick(self) -> str:
        op = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if op == "read" and not self.known or op == "assess" and not self.lodged or op == "pay" and not self.due:
            return "lodge"
        return op

    async def step(self, tally: Tally) -> None:
        op = self.pick()
        if op == "lodge":
            self.count += 1
            lrn = f"{self.run}-{self.index}-{self.count}"
            item = {**self.example["items"][0], "value": self.rng.choice(VALUES),
                    "quantity": str(self.rng.randint(10, 2000))}
            r = await self.call(tally, op, "POST", "/api/v1/declarations",
                                json={**self.example, "lrn": lrn, "items": [item]},
                                headers={"Prefer": "return=minimal"})
            if r is not None and r.status_code == 201:
                mrn = r.json()["mrn"]
                tally.declarations[mrn] = lrn
                self.lodged.append(mrn)
                self.known.append(mrn)
        elif op == "read":
            await self.call(tally, op, "GET", f"/api/v1/declarations/{self.rng.choice(self.known)}")
        elif op == "assess":
            mrn = self.lodged.pop(self.rng.randrange(len(self.lodged)))
            r = await self.call(tally, op, "POST", f"/api/v1/declarations/{mrn}/assessment")
            if r is not None and r.status_code == 201 and r.json()["total_due"] != "0.00":
                self.due.append((mrn, r.json()["total_due"]))
        elif op == "pay":
            mrn, amount = self.due.pop(self.rng.randrange(len(self.due)))
            r = await self.call(tally, "reference", "POST", f"/api/v1/declarations/{mrn}/payment-reference")
            if r is None or r.status_code != 201:
                return
            r = await self.call(tally, "pay", "POST", f"/api/v1/declarations/{mrn}/payments",
                                json={"amount": amount, "currency": "AUD", "method": "bank_transfer",
                                      "reference": r.json()["reference"]})
            if r is not None and r.status_code == 201:
                tally.payments[r.json()["receipt"]] = mrn
        else:
            await self.call(tally, op, "POST", "/api/v1/consignments/bulk", content=self.manifest,
                            headers={"content-type": "application/x-ndjson"})

    async def healthz(self, tally: Tally) -> None:
        await self.call(tally, "healthz", "GET", "/healthz")


async def warm_up(base: str, key: str, manifest: bytes, connections: int, run: str) -> None:
    """Each operation before the clock starts, on another LRN series, from 8 connections per worker at once
    (the OS hands connections to whichever worker accepts first, so many are needed to reach every worker):
    what a process does once (the HS finder's model for the manifest's described parcels, the tariff and the
    lane model's first load) is not counted."""
    async def one(i: int) -> None:
        c = Client(base, key, i, 0, f"WARM-{run}", manifest)
        try:
            for op in ("lodge", "read", "assess", "pay", "manifest"):
                c.pick = lambda op=op: op  # type: ignore[method-assign]
                if op == "read" and c.known or op == "assess" and c.lodged or op == "pay" and c.due or op in (
                        "lodge", "manifest"):
                    await c.step(Tally())
        finally:
            await c.http.aclose()

    await asyncio.gather(*(one(i) for i in range(connections)))


async def drive(clients: list[Client], seconds: float, baseline: bool) -> tuple[Tally, float]:
    """Every client runs its steps back to back until the time is up; (what they saw, elapsed seconds)."""
    tally = Tally()
    stop = time.perf_counter() + seconds

    async def loop(c: Client) -> None:
        while time.perf_counter() < stop:
            await (c.healthz(tally) if baseline else c.step(tally))

    started = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in clients))
    return tally, time.perf_counter() - started


async def run_clients(base: str, keys: list[str], seconds: float, baseline_seconds: float, seed: int,
                      run: str, pid: int, warm: int) -> dict:
    manifest = (EXAMPLES / "lvg-manifest-au.jsonl").read_bytes()
    clients = [Client(base, k, i, seed, run, manifest) for i, k in enumerate(keys)]
    try:
        if warm:
            await warm_up(base, keys[0], manifest, warm, run)
        out: dict = {}
        for name, secs, baseline in (("baseline", baseline_seconds, True), ("mixed", seconds, False)):
            if secs <= 0:
                continue
            cpu, mine, db, load0 = cpu_seconds(pid), _own_cpu(), database_cpu(), os.getloadavg()
            tally, elapsed = await drive(clients, secs, baseline)
            out[name] = summarise(tally, elapsed, cpu_seconds(pid) - cpu, load0, os.getloadavg(),
                                  client_cpu=_own_cpu() - mine, database_cpu=database_cpu() - db)
            if not baseline:
                out["tally"] = tally
        return out
    finally:
        await asyncio.gather(*(c.http.aclose() for c in clients))


def _own_cpu() -> float:
    """CPU seconds this process (the load generator) has used: it shares the machine with the server."""
    t = os.times()
    return t.user + t.system


def database_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL server's processes on this machine (0 where there are none, as
    with SQLite, whose work is counted in the server's own): they share the cores with the server."""
    return processes_cpu(lambda _, name, __: name in ("postgres", "postmaster"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summarise(tally: Tally, elapsed: float, server_cpu: float, load0: tuple, load1: tuple,
              client_cpu: float = 0.0, database_cpu: float = 0.0) -> dict:
    ops = {}
    every: list[float] = []
    for op, values in sorted(tally.latencies.items()):
        every += values
        ops[op] = _figures(values, elapsed, tally.statuses[op])
    total = Counter()
    for c in tally.statuses.values():
        total.update(c)
    return {"seconds": round(elapsed, 2), "operations": ops, "overall": _figures(every, elapsed, total),
            "slow": sorted(tally.slow, key=lambda x: x[1]),
            "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(every)), 2),
            "client_cpu_share": round(client_cpu / elapsed, 2),  # of one core
            "database_cpu_ms_per_request": round(1000 * database_cpu / max(1, len(every)), 2),
            "load_average_before": [round(x, 2) for x in load0], "load_average_after": [round(x, 2) for x in load1]}


def _figures(values: list[float], elapsed: float, statuses: Counter) -> dict:
    ok = sum(n for s, n in statuses.items() if isinstance(s, int) and s < 400)
    return {"requests": len(values), "per_second": round(len(values) / elapsed, 1),
            "p50_ms": round(1000 * percentile(values, 0.50), 1), "p95_ms": round(1000 * percentile(values, 0.95), 1),
            "p99_ms": round(1000 * percentile(values, 0.99), 1), "ok": ok,
            "errors": {str(s): n for s, n in sorted(statuses.items(), key=str) if not (isinstance(s, int) and s < 400)}}


# ---- the end-of-run check ----

def verify(url: str, declarations: dict[str, str], payments: dict[str, str], run: str) -> dict:
    """Every acknowledged declaration and payment stored exactly once, nothing of this run stored that was not
    acknowledged, and the audit chain verifies. Returns the counts and the problems found (empty: all good)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT mrn, lrn FROM declarations WHERE declarant_id = :d AND lrn LIKE :p"),
                            {"d": DECLARANT, "p": f"{run}-%"}).all()
        paid = conn.execute(text("SELECT p.receipt, d.mrn FROM payments p JOIN declarations d "
                                 "ON d.id = p.declaration_id WHERE d.lrn LIKE :p"), {"p": f"{run}-%"}).all()
    engine.dispose()
    problems: list[str] = []
    by_mrn = Counter(m for m, _ in rows)
    by_lrn = Counter(lrn for _, lrn in rows)
    stored = {m: lrn for m, lrn in rows}
    for mrn, lrn in declarations.items():
        if by_mrn[mrn] != 1 or by_lrn[lrn] != 1 or stored.get(mrn) != lrn:
            problems.append(f"declaration {mrn} ({lrn}) acknowledged, stored {by_mrn[mrn]} times")
    extra = sorted(set(stored) - set(declarations))
    if extra:
        problems.append(f"{len(extra)} declarations stored that were never acknowledged, e.g. {extra[0]}")
    by_receipt = Counter(r for r, _ in paid)
    per_declaration = Counter(m for _, m in paid)
    for receipt, mrn in payments.items():
        if by_receipt[receipt] != 1:
            problems.append(f"payment {receipt} of {mrn} acknowledged, stored {by_receipt[receipt]} times")
    for mrn, n in sorted(per_declaration.items()):
        if n > 1:
            problems.append(f"declaration {mrn} has {n} payments stored")
    unacknowledged = sorted({r for r, _ in paid} - set(payments))
    if unacknowledged:
        problems.append(f"{len(unacknowledged)} payments stored that were never acknowledged, e.g. {unacknowledged[0]}")
    audit = subprocess.run([sys.executable, "-m", "clearway", "audit", "verify"], capture_output=True, text=True,
                           env={**os.environ, "CLEARWAY_DATABASE_URL": url}, timeout=600)
    audit_line = " ".join((audit.stdout + audit.stderr).split())
    if audit.returncode != 0:
        problems.append(f"audit verify exit {audit.returncode}: {audit_line}")
    return {"declarations_acknowledged": len(declarations), "declarations_stored": len(rows),
            "payments_acknowledged": len(payments), "payments_stored": len(paid), "audit": audit_line,
            "problems": problems}


# ---- the report ----

def print_report(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(120, Console().width))
    m = result["run"]
    title = (f"{m['backend']}, {m['workers']} worker(s), {m['clients']} clients, seed {m['seed']}; "
             f"{m['nproc']} CPUs ({m['cpu']}); load average {m['load_average_start']} at start")
    table = Table("phase", "operation", "requests", "per s", "p50 ms", "p95 ms", "p99 ms", "errors", title=title)
    for phase in ("baseline", "mixed"):
        if phase not in result:
            continue
        part = result[phase]
        rows = [*part["operations"].items(), ("overall", part["overall"])]
        for op, f in rows:
            errors = ", ".join(f"{s}: {n}" for s, n in f["errors"].items()) or "-"
            table.add_row(phase, op, str(f["requests"]), f"{f['per_second']:.1f}", f"{f['p50_ms']:.1f}",
                          f"{f['p95_ms']:.1f}", f"{f['p99_ms']:.1f}", errors,
                          style="bold" if op == "overall" else None)
        table.add_row(phase, "server CPU ms a request", "", f"{part['server_cpu_ms_per_request']:.2f}", "", "", "",
                      f"load {_load(part['load_average_before'])} -> {_load(part['load_average_after'])}")
        table.add_row(phase, "PostgreSQL's CPU ms a request", "", f"{part.get('database_cpu_ms_per_request', 0):.2f}",
                      "", "", "", "")
        table.add_row(phase, "load generator's CPU, cores", "", f"{part.get('client_cpu_share', 0):.2f}", "", "", "",
                      "")
    console.print(table)
    slow = result.get("mixed", {}).get("slow", [])
    if slow:
        console.print(f"{len(slow)} requests took over 5 s, started {slow[0][1]}-{slow[-1][1]} s into the mixed load")
    v = result.get("verification")
    if v:
        console.print(f"declarations acknowledged {v['declarations_acknowledged']}, stored "
                      f"{v['declarations_stored']}; payments acknowledged {v['payments_acknowledged']}, stored "
                      f"{v['payments_stored']}; {v['audit']}")
        for p in v["problems"]:
            console.print(f"[red]PROBLEM[/red] {p}")
        console.print("[green]nothing lost or duplicated; the audit chain verifies[/green]" if not v["problems"]
                      else f"[red]{len(v['problems'])} problem(s)[/red]")


def _load(triple: list[float]) -> str:
    return "/".join(f"{x:.1f}" for x in triple)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    return {"nproc": os.cpu_count(), "cpu": cpu, "load_average_start": [round(x, 2) for x in os.getloadavg()],
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def run(args: argparse.Namespace) -> dict:
    workers = args.workers or (2 if args.backend == "postgresql" else 1)
    if args.backend == "sqlite" and workers != 1:
        raise SystemExit("SQLite: one worker (clearway serve --workers is for PostgreSQL)")
    runtag = f"LD{args.seed}-{time.strftime('%H%M%S', time.gmtime())}"
    result: dict = {"run": {"backend": args.backend, "workers": workers, "clients": args.clients, "seed": args.seed,
                            "seconds": args.seconds, "tag": runtag, **machine()}}
    with tempfile.TemporaryDirectory(prefix="clearway-load-") as tmp:
        url = args.database or fresh_database(args.backend, Path(args.keep or tmp), args.pg)
        result["run"]["database"] = url
        try:
            keys = issue_keys(url, args.clients)
            proc, base = start_server(url, workers, not args.no_access_log, args.rate_limit)
            try:
                phases = asyncio.run(run_clients(base, keys, args.seconds, args.baseline_seconds, args.seed, runtag,
                                                 proc.pid, args.warm_up * workers))
            finally:
                stop_server(proc)
            tally: Tally = phases.pop("tally")
            result.update(phases)
            result["acknowledged"] = {"declarations": tally.declarations, "payments": tally.payments}
            result["verification"] = verify(url, tally.declarations, tally.payments, runtag)
        finally:
            if args.backend == "postgresql" and not args.keep and not args.database:
                drop_pg_database(url)
    return result


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60, help="duration of the mixed load")
    ap.add_argument("--baseline-seconds", type=float, default=10, help="duration of the /healthz baseline (0: none)")
    ap.add_argument("--workers", type=int, default=0, help="server processes (default 2 on PostgreSQL, 1 on SQLite)")
    ap.add_argument("--seed", type=int, default=18, help="the request mix's random seed")
    ap.add_argument("--warm-up", type=int, default=8, metavar="N",
                    help="warm-up connections per worker before the clock starts (0: none)")
    ap.add_argument("--pg", default=PG, help="PostgreSQL database to create, fill and drop (CLEARWAY_LOAD_PG)")
    ap.add_argument("--database", help="use this migrated database as it is (not dropped)")
    ap.add_argument("--keep", metavar="DIR", help="keep the database (the SQLite file goes in DIR)")
    ap.add_argument("--rate-limit", help="the server's CLEARWAY_RATE_LIMIT (default: its own, 300/10 per key)")
    ap.add_argument("--no-access-log", action="store_true", help="serve without the access log (on by default)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    return ap


def main(argv: list[str] | None = None) -> dict:
    args = parser().parse_args(argv)
    result = run(args)
    print_report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    return result


if __name__ == "__main__":
    sys.exit(1 if main()["verification"]["problems"] else 0)
