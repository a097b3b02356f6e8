"""Parcels assessed per second on the bulk path (Polars/NumPy columns) and on the single path
(one declaration at a time through clearway.tariff.core), in the same run, with peak memory.

    python benchmarks/bench_assess.py [--parcels 1000000] [--chunk 100000] [--single 20000]

The manifest is generated chunk by chunk (as a stream would be read) so the bulk path keeps only its
per-parcel results; each size runs in its own process so its peak RSS is its own."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

ECONOMY, ON = "AU", date(2026, 11, 28)
CODES = ["610910", "640411", "851713", "851714", "220421", "080510", "300241", "382219"]
UNITS = ["u", "pr", "u", "u", "l", "kg", "u", "u"]
CURRENCIES = ["AUD", "USD", "CNY", "EUR"]


def chunk(rng: np.random.Generator, start: int, n: int) -> pl.DataFrame:
    code_i = rng.integers(0, len(CODES), n)
    cur_i = rng.integers(0, len(CURRENCIES), n)
    cents = rng.integers(100, 300_000, n)  # 1.00 .. 3,000.00
    qty = rng.integers(1, 20, n)
    vendor = rng.random(n) < 0.3
    df = pl.DataFrame({"_c": code_i, "_k": cur_i, "_v": cents, "_q": qty, "_vr": vendor})
    return df.select(
        parcel=pl.concat_str([pl.lit("P"), (pl.int_range(start, start + n)).cast(pl.String)]),
        sender_name=pl.lit("Shop"), sender_country=pl.lit("CN"), receiver_name=pl.lit("Buyer"),
        receiver_address=pl.lit(None, pl.String),
        hs_code=pl.col("_c").replace_strict(list(range(len(CODES))), CODES, return_dtype=pl.String),
        description=pl.lit(None, pl.String), origin=pl.lit("CN"),
        value=pl.concat_str([(pl.col("_v") // 100).cast(pl.String), pl.lit("."),
                             (pl.col("_v") % 100).cast(pl.String).str.zfill(2)]),
        currency=pl.col("_k").replace_strict(list(range(len(CURRENCIES))), CURRENCIES, return_dtype=pl.String),
        quantity=pl.col("_q").cast(pl.String),
        unit=pl.col("_c").replace_strict(list(range(len(CODES))), UNITS, return_dtype=pl.String),
        weight_kg=pl.col("_q").cast(pl.String),
        vendor_registration=pl.when(pl.col("_vr")).then(pl.lit("ARN-500000000012")).otherwise(pl.lit(None, pl.String)),
        mode=pl.lit("air"),
    ).with_columns(line=pl.int_range(start + 1, start + n + 1), malformed=pl.lit(None, pl.String))


def _context():
    from clearway.tariff import rules, schedule

    r = rules.get(ECONOMY)
    rates = {x.currency: x.rate for x in rules.builtin_rates() if x.economy == ECONOMY and x.in_force(ON)}
    return r, schedule.builtin(ECONOMY), rates


def run_bulk(parcels: int, size: int) -> dict:
    from clearway.tariff import bulk

    r, sched, rates = _context()
    rng = np.random.default_rng(42)
    bulk.assess(chunk(rng, 0, 1000), rules=r, schedule=sched, rates=rates, on=ON)  # warm up
    kept, spent, totals = [], 0.0, 0
    for start in range(0, parcels, size):
        df = chunk(rng, start, min(size, parcels - start))
        t0 = time.perf_counter()
        res = bulk.assess(df, rules=r, schedule=sched, rates=rates, on=ON)
        spent += time.perf_counter() - t0
        kept.append(res.parcels.select("duty", "excise", "tax", "total"))  # the output we keep
        totals += res.summary["assessed"]
        del df, res
    out = pl.concat(kept)
    return {"path": "bulk", "parcels": parcels, "assessed": totals, "seconds": round(spent, 3),
            "parcels_per_s": round(parcels / spent), "output_mb": round(out.estimated_size() / 2 ** 20, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run_single(parcels: int) -> dict:
    from clearway.declarations.schemas import DeclarationIn
    from clearway.tariff import core

    r, sched, rates = _context()
    rows = chunk(np.random.default_rng(7), 0, parcels).to_dicts()
    decls = [DeclarationIn.model_validate({
        "lrn": p["parcel"], "type": "import", "economy": ECONOMY, "office": "AUSYD",
        "declarant": {"id": "X", "name": "Carrier"}, "importer": {"name": p["receiver_name"]},
        "exporter": {"name": p["sender_name"], "country": p["sender_country"]}, "transport": {"mode": "air"},
        "currency": p["currency"], "vendor_registration": p["vendor_registration"],
        "items": [{"hs_code": p["hs_code"], "description": "parcel", "origin": p["origin"], "quantity": p["quantity"],
                   "unit": p["unit"], "net_weight_kg": p["weight_kg"], "value": p["value"]}]}) for p in rows]
    t0 = time.perf_counter()
    for d in decls:
        core.assess(d, on=ON, rules=r, schedule=sched, rates=rates)
    spent = time.perf_counter() - t0
    return {"path": "single", "parcels": parcels, "seconds": round(spent, 3), "parcels_per_s": round(parcels / spent),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def child(args: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    r = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--single", type=int, default=20_000, help="parcels timed on the single path")
    ap.add_argument("--child", choices=["bulk", "single"])
    a = ap.parse_args()
    if a.child == "bulk":
        print(json.dumps(run_bulk(a.parcels, a.chunk)))
        return
    if a.child == "single":
        print(json.dumps(run_single(a.parcels)))
        return
    print(f"assessment benchmark: economy {ECONOMY}, rules of {ON}, {os.cpu_count()} cores")
    results = [child(["--child", "single", "--parcels", str(a.single)])]
    for n in sorted({a.parcels // 4, a.parcels}):
        results.append(child(["--child", "bulk", "--parcels", str(n), "--chunk", str(a.chunk)]))
    for r in results:
        print(json.dumps(r))
    single, big = results[0]["parcels_per_s"], results[-1]
    print(f"bulk path: {big['parcels_per_s']:,} parcels/s on {big['parcels']:,} parcels "
          f"({big['parcels_per_s'] / single:.0f}x the single path's {single:,}/s); "
          f"peak RSS {results[1]['peak_rss_mb']} MB at {results[1]['parcels']:,} vs {big['peak_rss_mb']} MB at "
          f"{big['parcels']:,} (output {big['output_mb']} MB)")


if __name__ == "__main__":
    main()
