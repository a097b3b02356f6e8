"""Fraud model and lane selection: quality on train -> valid against a plain LightGBM baseline in the
same run, training time, batch scoring throughput, single lane decision latency.

    python benchmarks/bench_risk.py [--train FILE] [--valid FILE] [--json]

Files default to CLEARWAY_RISK_TRAIN / CLEARWAY_RISK_VALID, else the shared KCS data folder
(benchmarks are run by hand; the tests never need these files). Aims (issue 4): precision@5% >= 0.96,
precision@10% >= 0.94, AUC >= 0.91; batch scoring >= 100,000 declarations/s; one lane decision < 5 ms."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from clearway.risk import features  # noqa: E402
from clearway.risk.history import read_history  # noqa: E402
from clearway.risk.lanes import Candidate, LanePolicy, Usage, select_one  # noqa: E402
from clearway.risk.metrics import report  # noqa: E402
from clearway.risk.model import FraudModel, threshold  # noqa: E402
from clearway.risk.scoring import score_records  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "customs-fraud" / "kcs-customs-declarations"
RAW = ["office", "procedure", "import_type", "import_use", "payment_type", "transport_mode", "declarant", "importer",
       "seller", "courier", "hs_code", "departure_country", "origin_country", "tax_type", "origin_indicator"]


def baseline(train: pl.DataFrame, valid: pl.DataFrame) -> tuple[dict, float]:
    """Plain LightGBM (library defaults, 100 rounds) on the raw columns, codes as categories."""
    started = time.perf_counter()
    vocab = {c: {v: i for i, v in enumerate(train[c].drop_nulls().unique().sort().to_list())} for c in RAW}

    def matrix(df: pl.DataFrame) -> np.ndarray:
        cols = [df[c].replace_strict(vocab[c], default=None, return_dtype=pl.Float64) for c in RAW]
        cols += [df[c].cast(pl.Float64) for c in ("tax_rate", "net_mass_kg", "value")]
        return pl.DataFrame(cols).to_numpy()

    booster = lgb.train({"objective": "binary", "verbose": -1, "num_threads": 2, "seed": 7},
                        lgb.Dataset(matrix(train), train["fraud"].to_numpy(), categorical_feature=list(range(len(RAW)))),
                        100)
    seconds = time.perf_counter() - started
    return report(valid["fraud"].to_numpy(), booster.predict(matrix(valid))), seconds


def throughput(model: FraudModel, valid: pl.DataFrame, rows: int = 100_000) -> float:
    big = pl.concat([valid] * (rows // valid.height + 1)).head(rows)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        model.predict_proba(big)
        best = min(best, time.perf_counter() - t)
    return rows / best


def lane_latency(model: FraudModel, valid: pl.DataFrame, n: int = 500, reasons: bool = False) -> dict:
    recs = valid.head(n).to_dicts()
    q = model.metadata["score_quantiles"]
    policy = LanePolicy()
    red_t, yellow_t = threshold(q, policy.red_share), threshold(q, policy.red_share + policy.yellow_share)
    times = []
    for i, r in enumerate(recs):
        t = time.perf_counter()
        s = score_records(model, [r], reasons=reasons)[0]
        select_one(Candidate(ref=str(i), office="X", day="d", probability=s.probability), policy,
                   red_threshold=red_t, yellow_threshold=yellow_t, usage=Usage(total=i), draw=0.5)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"median_ms": statistics.median(times), "p95_ms": times[int(0.95 * len(times))], "n": n}


def service_latency(model_dir: Path, n: int = 200) -> dict:
    """select_lane through the service on a real SQLite file: findings, rules, policy and usage
    queries, scoring, the stored decision, audit events and the commit."""
    import tempfile

    from sqlalchemy import select

    from clearway.auth.service import authenticate, create_key
    from clearway.db import make_engine, make_sessionmaker, migrate, transaction
    from clearway.declarations import service as declarations
    from clearway.declarations.models import Declaration
    from clearway.declarations.schemas import DeclarationIn
    from clearway.flows.lanes import select_lane
    from clearway.risk import decisions
    from clearway.risk.schemas import RuleIn
    from clearway.risk import service as risk

    os.environ[decisions.MODEL_ENV] = str(model_dir)
    tmp = tempfile.mkdtemp()
    engine = make_engine(f"sqlite:///{tmp}/bench.db")
    migrate(engine)
    factory = make_sessionmaker(engine)
    example = json.loads((Path(__file__).resolve().parent.parent / "examples" / "declaration-au-oranges.json").read_text())
    with transaction(factory) as session:
        key, _ = create_key(session, role="declarant", economy="AU", party_id=example["declarant"]["id"], actor="bench")
        okey, _ = create_key(session, role="officer", economy="AU", actor="bench")
    with factory() as session:
        who, officer = authenticate(session, key), authenticate(session, okey)
    with transaction(factory) as session:
        for i in range(5):
            risk.create_rule(session, principal=officer, rule=RuleIn(
                code=f"R{i}", name=f"rule {i}", action="score", score=0.1,
                conditions=[{"field": "hs_code", "op": "prefix", "value": f"{i}"},
                            {"field": "value_per_kg", "op": "lt", "value": "0.5"}]))
    mrns = []
    with transaction(factory) as session:
        for i in range(n):
            row, _ = declarations.lodge(session, principal=who, decl=DeclarationIn(**{**example, "lrn": f"B{i:06d}"}))
            declarations.transition(session, row=row, to_status="assessed", actor="bench")
            mrns.append(row.mrn)
    times = []
    for mrn in mrns:
        t = time.perf_counter()
        with transaction(factory) as session:
            row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
            select_lane(session, row=row, actor="bench")
        times.append((time.perf_counter() - t) * 1000)
    engine.dispose()
    times.sort()
    return {"median_ms": statistics.median(times), "p95_ms": times[int(0.95 * len(times))], "n": n,
            "backend": "sqlite"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--train", default=os.environ.get("CLEARWAY_RISK_TRAIN", str(SHARED / "df_syn_train_eng.csv")))
    ap.add_argument("--valid", default=os.environ.get("CLEARWAY_RISK_VALID", str(SHARED / "df_syn_valid_eng.csv")))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seeds", type=int, default=5, help="training runs with different seeds (mean and range)")
    args = ap.parse_args()
    train, valid = read_history([args.train]), read_history([args.valid])

    base, base_s = baseline(train, valid)
    started = time.perf_counter()
    model = FraudModel().fit(train)
    train_s = time.perf_counter() - started
    t = time.perf_counter()
    ours = report(valid["fraud"].to_numpy(), model.predict_proba(valid)[:, 1])
    runs = [ours]
    for seed in range(1, args.seeds):
        m = FraudModel(params={**model.params, "seed": seed}).fit(train)
        runs.append(report(valid["fraud"].to_numpy(), m.predict_proba(valid)[:, 1]))
    spread = {k: {"mean": statistics.mean(r[k] for r in runs), "min": min(r[k] for r in runs),
                  "max": max(r[k] for r in runs)} for k in ("auc", "precision@5", "precision@10")}
    result = {
        "train": {"file": args.train, "rows": train.height}, "valid": {"file": args.valid, "rows": valid.height},
        "clearway_over_seeds": {"runs": len(runs), **spread},
        "baseline_lightgbm": {**base, "train_seconds": round(base_s, 2)},
        "clearway": {**ours, "train_seconds": round(train_s, 2), "rounds": model.metadata["rounds"],
                     "score_valid_seconds": round(time.perf_counter() - t, 3)},
        "batch_scoring_rows_per_second": round(throughput(model, valid)),
        "features_only_rows_per_second": round(_features_rate(model, valid)),
        "lane_decision": lane_latency(model, valid),
        "lane_decision_with_reasons": lane_latency(model, valid, n=100, reasons=True),
    }
    import tempfile

    saved = Path(tempfile.mkdtemp()) / "model"
    model.save(saved)
    result["lane_decision_service_sqlite"] = service_latency(saved)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    keys = ["auc", "precision@1", "precision@2", "precision@5", "precision@10", "recall@5", "recall@10"]
    print(f"train {train.height} rows -> valid {valid.height} rows")
    print(f"{'metric':<16}{'baseline':>10}{'clearway':>10}")
    for k in keys:
        print(f"{k:<16}{base[k]:>10.3f}{ours[k]:>10.3f}")
    print(f"{'train seconds':<16}{base_s:>10.1f}{train_s:>10.1f}")
    for k, v in spread.items():
        print(f"clearway {k} over {len(runs)} seeds: mean {v['mean']:.3f} (min {v['min']:.3f}, max {v['max']:.3f})")
    print(f"batch scoring: {result['batch_scoring_rows_per_second']:,} declarations/s "
          f"(features alone {result['features_only_rows_per_second']:,}/s)")
    ld, lr = result["lane_decision"], result["lane_decision_with_reasons"]
    print(f"one lane decision: median {ld['median_ms']:.2f} ms, p95 {ld['p95_ms']:.2f} ms; "
          f"with its reasons: median {lr['median_ms']:.2f} ms, p95 {lr['p95_ms']:.2f} ms")
    sv = result["lane_decision_service_sqlite"]
    print(f"select_lane through the service (SQLite file, one transaction each, commit included): "
          f"median {sv['median_ms']:.2f} ms, p95 {sv['p95_ms']:.2f} ms")


def _features_rate(model: FraudModel, valid: pl.DataFrame, rows: int = 100_000) -> float:
    big = pl.concat([valid] * (rows // valid.height + 1)).head(rows)
    t = time.perf_counter()
    features.transform(model.encoders, big)
    return rows / (time.perf_counter() - t)


if __name__ == "__main__":
    main()
