"""What monthly partitions cost a read (issue 16, docs/scaling.md "By month on PostgreSQL").

    python benchmarks/bench_partitions.py [--months 0,12,36] [--n 3000]

On PostgreSQL (CLEARWAY_BENCH_PG, by default the local `test` database, whose public schema it replaces):
lodges n declarations through the batch path, then reads 500 of them at random, each read three times over,
the best of the three runs kept: by MRN as the API reads a declaration (declarations.service.get, the ORM with
the key's access rule), and by id in plain SQL; first with the months the migration makes (the current one and
three ahead), then with every month back to that many months before. The same reads on the tree before
partitioning are the baseline (`PYTHONPATH=<older tree>/src`, which has no partitions: --months is ignored)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_lodge as b  # noqa: E402

from clearway.declarations import service  # noqa: E402
from clearway.flows import lodging  # noqa: E402


def _months_back(factory, months: int) -> int:
    """Every month's partitions back to `months` before the current one; the partitions of declarations."""
    try:
        from clearway import partitions
        from clearway.declarations.partitions import PARENTS
    except ImportError:  # the tree before partitioning
        return 0
    now = datetime.now(UTC)
    start = partitions.Month.of(now)
    for _ in range(months):
        start = partitions.Month(start.year - (start.month == 1), (start.month - 2) % 12 + 1)
    with factory.kw["bind"].begin() as conn:
        partitions.ensure(conn, PARENTS, now=now, since=start.start)
        return len(partitions.names(conn, PARENTS[0]))


def run(months: int, n: int) -> dict[str, float]:
    url = b.fresh_url("postgresql", Path(tempfile.mkdtemp()))
    key, factory = b.prepare(url)
    count = _months_back(factory, months)
    with factory() as s:
        who = b.authenticate(s, key)
    list(lodging.lodge_many(factory, principal=who, lines=list(enumerate(b.docs(n, "read", two_items=True), start=1))))
    with factory.kw["bind"].connect() as conn:
        conn.execute(text("ANALYZE"))
        picked = conn.execute(text("SELECT mrn, id FROM declarations ORDER BY random() LIMIT 500")).all()

    def best(read) -> float:
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            for mrn, ident in picked:
                read(mrn, ident)
            runs.append((time.perf_counter() - t0) / len(picked) * 1e6)
        return min(runs)

    with factory() as s:
        by_mrn = best(lambda mrn, ident: (service.get(s, principal=who, mrn=mrn), s.expunge_all()))
        by_id = best(lambda mrn, ident: s.execute(text("SELECT id, status FROM declarations WHERE id = :i"),
                                                  {"i": ident}).all())
    return {"partitions": count, "get by MRN us": round(by_mrn), "by id us": round(by_id)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--months", default="0,12,36", help="months back to make partitions for, e.g. 0,12,36")
    ap.add_argument("--n", type=int, default=3000)
    args = ap.parse_args()
    for months in (int(m) for m in args.months.split(",")):
        print({"months back": months, **run(months, args.n)}, flush=True)


if __name__ == "__main__":
    main()
