"""The officer's queue: how long it takes to load, order and explain the declarations that need a human.

    python benchmarks/bench_queue.py [--n 5000] [--held 0.1] [--url sqlite:///...]

N declarations under control (red or yellow, each with a lane decision, one or two rule hits, the status
event that put it under control), a share of them also held by an open finding, and as many released ones
that the queue must skip, are written straight into a fresh database (bulk rows, not through the flows: this
measures the queue, not lodging). Then `flows.workbench.queue` runs five times; the median is reported, with
the pure core (`risk.queue.build` on the same cases) alone as the baseline in the same run."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import insert  # noqa: E402

from clearway.auth.core import Principal  # noqa: E402
from clearway.controls.models import Finding  # noqa: E402
from clearway.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from clearway.declarations.models import Declaration, StatusEvent  # noqa: E402
from clearway.flows import workbench  # noqa: E402
from clearway.risk.models import LaneDecisionRow, RiskRule, RuleHitRow  # noqa: E402
from clearway.risk.queue import build  # noqa: E402

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CONTENT = {"items": [{"hs_code": "610910", "origin": "CN", "value": "850.00"}], "currency": "USD"}


def seed(factory, n: int, held: float, rng: random.Random) -> None:
    decls, events, lanes, hits, findings = [], [], [], [], []
    for i in range(1, 2 * n + 1):
        controlled = i <= n
        at = NOW - timedelta(minutes=rng.randint(1, 5000))
        decls.append({"id": i, "mrn": f"26AUSYD{i:08d}X", "lrn": f"B-{i}", "declarant_id": "AU-ABN-11222333444",
                      "type": "import", "economy": "AU", "office": rng.choice(["AUSYD", "AUMEL", "AUBNE"]),
                      "status": "under_control" if controlled else "released", "version": 1, "fingerprint": "x" * 64,
                      "content": CONTENT, "accepted_at": at, "updated_at": at})
        events.append({"declaration_id": i, "from_status": "lane_selected", "to_status": "under_control",
                       "at": at + timedelta(minutes=1), "actor": "bench"})
        lane = rng.choice(["red", "yellow"])
        lanes.append({"id": i, "declaration_id": i, "mrn": decls[-1]["mrn"], "declaration_version": 1, "economy": "AU",
                      "office": decls[-1]["office"], "importer": None, "day": at.date().isoformat(), "lane": lane,
                      "basis": "rule", "random": False, "priority": "essential" if rng.random() < 0.02 else "normal",
                      "mandatory": "green", "probability": rng.random(), "expected_revenue": None, "rank": rng.random(),
                      "reasons": ["bench"], "model_reasons": [{"text": "value per kg far below the usual",
                                                               "contribution": 1.2, "fact": "valuation"}],
                      "model_version": "bench", "policy_version": None, "decided_at": at, "actor": "bench"})
        hits.append({"decision_id": i, "economy": "AU", "code": f"R{i % 20}", "version": 1, "action": lane})
        if controlled and rng.random() < held:
            findings.append({"declaration_id": i, "source": "seals", "code": "seal.opened", "lane": "red",
                             "reason": "seal opened en route", "reference": str(i), "evidence": None,
                             "raised_at": at, "closed_at": None, "closed_by": None, "resolution": None})
    rules = [{"economy": "AU", "code": f"R{k}", "version": 1, "status": "active", "name": f"rule {k}", "action": "red",
              "score": 0.0, "conditions": [], "owner": "bench", "created_at": NOW, "actor": "bench"} for k in range(20)]
    with factory() as session, session.begin():
        for model, rows in ((Declaration, decls), (StatusEvent, events), (LaneDecisionRow, lanes), (RuleHitRow, hits),
                            (Finding, findings), (RiskRule, rules)):
            for k in range(0, len(rows), 2000):
                session.execute(insert(model), rows[k:k + 2000])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--held", type=float, default=0.1)
    ap.add_argument("--url", default=None)
    args = ap.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = make_engine(url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    seed(factory, args.n, args.held, random.Random(7))
    officer = Principal(key_id=1, role="officer", economy="AU")
    workbench.QUEUE_LIMIT = 10 ** 9  # the whole queue, so that the core baseline orders the same cases
    service, core, size = [], [], 0
    for _ in range(5):
        with factory() as session:
            t = time.perf_counter()
            entries = workbench.queue(session, principal=officer, now=NOW)
            service.append(time.perf_counter() - t)
            cases = [e.case for e in entries]
        t = time.perf_counter()
        build(cases, now=NOW)
        core.append(time.perf_counter() - t)
        size = len(entries)
    print(json.dumps({"declarations_under_control": args.n, "released_skipped": args.n, "queue": size,
                      "database": engine.dialect.name, "service_median_ms": round(statistics.median(service) * 1000, 1),
                      "core_median_ms": round(statistics.median(core) * 1000, 1)}))


if __name__ == "__main__":
    main()
