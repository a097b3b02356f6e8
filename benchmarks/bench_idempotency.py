"""What the Idempotency-Key costs: sequential lodgements over HTTP without a key, each with a fresh key, and
the replays of those keys, on one server (SQLite by default; --pg URL for a PostgreSQL database that may be
emptied). Prints the median and 95th percentile per request.

    python benchmarks/bench_idempotency.py [--n 300] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/bench]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clearway.auth.service import create_key  # noqa: E402
from clearway.config import Settings  # noqa: E402
from clearway.db import make_engine, make_sessionmaker, migrate, transaction  # noqa: E402
from clearway.demo_goods import declaration  # noqa: E402
from tests.support import start_server  # noqa: E402


def run(url: str, n: int) -> dict[str, tuple[float, float]]:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    with transaction(make_sessionmaker(engine)) as s:
        key, _ = create_key(s, role="declarant", economy="AU", party_id="AU-DEMO-BROKER-1", actor="bench")
    engine.dispose()
    srv, uv, thread = start_server(Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url))
    rng = random.Random(7)
    docs = [declaration("AU", i, rng) for i in range(3 * n)]
    for i, d in enumerate(docs):
        d["lrn"] = f"BENCH-IDEM-{i}"
    out: dict[str, tuple[float, float]] = {}
    with httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        def timed(label: str, calls: list) -> None:
            times = []
            for body, headers, want in calls:
                started = time.perf_counter()
                r = c.post("/api/v1/declarations", json=body, headers=headers)
                times.append(time.perf_counter() - started)
                assert r.status_code == want, r.text
            times.sort()
            out[label] = (statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000)

        timed("warm-up", [(d, {}, 201) for d in docs[2 * n:]])
        timed("no key", [(d, {}, 201) for d in docs[:n]])
        timed("fresh key", [(d, {"Idempotency-Key": f"k{i}"}, 201) for i, d in enumerate(docs[n:2 * n])])
        timed("replay", [(d, {"Idempotency-Key": f"k{i}"}, 201) for i, d in enumerate(docs[n:2 * n])])
    uv.should_exit = True
    thread.join(timeout=10)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--pg", default=None)
    args = ap.parse_args()
    urls = [("sqlite", f"sqlite:///{tempfile.mkdtemp()}/bench.db")] + ([("postgresql", args.pg)] if args.pg else [])
    for backend, url in urls:
        for label, (p50, p95) in run(url, args.n).items():
            if label != "warm-up":
                print(f"{backend:10} {label:10} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
