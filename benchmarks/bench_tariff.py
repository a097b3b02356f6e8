"""Whole tariff schedules: import time of each publication, load time into the database, single quote
latency and bulk parcels per second with the whole schedules loaded.

    python benchmarks/bench_tariff.py [--data ../shared/data/tariffs/full] [--quotes 2000] [--parcels 500000]
    python benchmarks/bench_tariff.py --bulk-only --parcels 300000 --baseline dd9e774

Import times need the publications (skipped when --data is absent); everything else uses the schedules
shipped in the package. The database is a fresh SQLite file (or CLEARWAY_BENCH_DATABASE_URL).

Bulk parcels run on the whole schedule as `make demo` loads it (the publication's lines plus the demo's excise,
VAT and fee measures), built in memory. `--baseline REV` runs the same bulk mixes on the source of git revision
REV too (extracted to a temporary folder, in a child process), each mix right after the current code's, so the
two figures share the run, the machine and its load."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("CLEARWAY_BENCH_SRC") or str(ROOT / "src"))  # the baseline's source, when asked

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

ON = date(2026, 12, 1)
PUBLICATIONS = {"JP": ("jp-customs", "JP/tariffdata"), "US": ("us-hts-csv", "US/htsdata.csv"),
                "NZ": ("nz-rates-xlsx", "NZ/Tariff_Rates_May2021_v1.xlsx"),
                "AU": ("au-schedule3-json", "AU/tariff-schedule3.json"),
                "CL": ("cl-arancel-json", "CL/arancel_aduanero_2022_version_publicada_sitio_web.json")}


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, round(time.perf_counter() - t, 2)


def imports(data: Path) -> dict:
    from clearway.tariff import importers, schedule

    out = {}
    for eco, (fmt, rel) in PUBLICATIONS.items():
        if not (data / rel).exists():
            continue
        got, read_s = timed(lambda fmt=fmt, rel=rel: importers.read(fmt, data / rel))
        _, check_s = timed(lambda got=got: schedule.parse_document(got.document()))
        out[eco] = {"lines": got.lines, "measures": len(got.measures), "read_s": read_s, "validate_s": check_s}
    return out


def database(url: str) -> dict:
    from clearway.db import make_engine, migrate, transaction
    from sqlalchemy.orm import sessionmaker

    from clearway.tariff import service
    from clearway.tariff.importers import shipped

    engine = make_engine(url)
    migrate(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    out, schedules = {}, {}
    for eco in shipped.economies():
        def load(eco=eco):
            with transaction(factory) as s:
                shipped.load(s, economy=eco, actor="bench")
        _, load_s = timed(load)
        with transaction(factory) as s:
            _, first_s = timed(lambda eco=eco: service.schedule_for(s, eco))
            loaded, again_s = timed(lambda eco=eco: service.schedule_for(s, eco))
        schedules[eco] = loaded
        out[eco] = {"load_s": load_s, "first_read_s": first_s, "cached_read_ms": round(again_s * 1000, 3)}
    return {"engine": engine.dialect.name, **out, "_factory": factory, "_schedules": schedules}


def codes_of(sched, rng: np.random.Generator, n: int, ad_valorem: bool = True, skew: float = 0.0) -> list[str]:
    """National lines with an MFN rate (ad valorem or free when asked: the parcel carries no quantity),
    uniform over all of them, or Zipf-skewed (skew > 1: a few lines carry most parcels, as in e-commerce)."""
    pool = sorted({m.code for m in sched.measures if m.type == "mfn" and len(m.code) > 6
                   and (not ad_valorem or m.expression.ad_valorem_only())})
    order = rng.permutation(len(pool))
    idx = (rng.zipf(skew, n) - 1) % len(pool) if skew > 1 else rng.integers(0, len(pool), n)
    return [pool[order[i]] for i in idx]


def quotes(factory, schedules: dict, count: int) -> dict:
    from clearway.declarations.schemas import DeclarationIn
    from clearway.db import transaction
    from clearway.tariff import core, rules, service

    out = {}
    rng = np.random.default_rng(7)
    for eco, cur in (("JP", "JPY"), ("US", "USD"), ("NZ", "NZD"), ("AU", "AUD")):
        sched = schedules[eco]
        r = rules.get(eco)
        rates = {x.currency: x.rate for x in rules.builtin_rates() if x.economy == eco and x.in_force(ON)}
        decls = [DeclarationIn.model_validate({
            "lrn": f"B-{i}", "type": "import", "economy": eco, "office": {"JP": "JPTYO", "US": "USLAX", "NZ": "NZAKL",
                                                                          "AU": "AUSYD"}[eco],
            "declarant": {"id": "D1", "name": "Broker"}, "importer": {"id": "I1", "name": "Importer"},
            "transport": {"mode": "air"}, "currency": cur, "incoterm": "CIF",
            "items": [{"hs_code": c, "description": "goods", "origin": "CN", "quantity": "1", "unit": "u",
                       "value": "120000" if cur == "JPY" else "1200.00"}]}) for i, c in enumerate(codes_of(sched, rng, count))]
        core_t = []
        for d in decls:
            t = time.perf_counter()
            core.assess(d, on=ON, rules=r, schedule=sched, rates=rates)
            core_t.append(time.perf_counter() - t)
        svc_t = []
        with transaction(factory) as s:
            service.calculate(s, decls[0], ON)  # warm the cache
            for d in decls[: max(1, count // 4)]:
                t = time.perf_counter()
                service.calculate(s, d, ON)
                svc_t.append(time.perf_counter() - t)
        q = lambda xs, p: round(sorted(xs)[int(p * (len(xs) - 1))] * 1000, 3)  # noqa: E731
        out[eco] = {"core_median_ms": q(core_t, 0.5), "core_p99_ms": q(core_t, 0.99),
                    "service_median_ms": q(svc_t, 0.5), "service_p99_ms": q(svc_t, 0.99)}
    return out


def as_loaded(economy: str):
    """The whole schedule as `make demo` loads it: the publication's lines and the demo's other measures."""
    from clearway.tariff import schedule
    from clearway.tariff.importers import shipped

    demo = schedule.builtin(economy)
    s = shipped.schedule_of(economy)
    kept = [m for m in demo.measures if m.type not in ("mfn", "preference")] if demo else []
    return schedule.Schedule(economy=s.economy, currency=s.currency, name=s.name, measures=s.measures + kept)


def parcels(n: int, size: int, mixes: list[str]) -> dict:
    """Parcels per second through bulk.assess on the whole schedules; where the code has a line table
    (clearway.tariff.line_table) it is built once per schedule and date before the clock starts, its build time
    reported apart."""
    from clearway.tariff import bulk, rules

    try:
        from clearway.tariff import line_table
    except ImportError:  # a baseline from before the line table
        line_table = None
    out, schedules = {}, {}
    for mix in mixes:
        eco, _, skew_text = mix.partition(":")
        skew = float(skew_text or 0)
        sched = schedules.get(eco) or schedules.setdefault(eco, as_loaded(eco))
        r = rules.get(eco)
        rates = {x.currency: x.rate for x in rules.builtin_rates() if x.economy == eco and x.in_force(ON)}
        table_s = timed(lambda sched=sched, r=r: line_table.table(sched, r, ON))[1] if line_table else None
        rng = np.random.default_rng(42)
        spent, assessed, distinct = 0.0, 0, set()
        for start in range(0, n, size):
            m = min(size, n - start)
            codes = codes_of(sched, rng, m, skew=skew)
            distinct.update(codes)
            cents = rng.integers(100, 100_000, m)
            df = pl.DataFrame({"parcel": [f"P{start + i}" for i in range(m)], "hs_code": codes,
                               "value": [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]}).with_columns(
                sender_name=pl.lit("Shop"), sender_country=pl.lit("CN"), receiver_name=pl.lit("Buyer"),
                receiver_address=pl.lit(None, pl.String), description=pl.lit(None, pl.String), origin=pl.lit("CN"),
                currency=pl.lit("USD"), quantity=pl.lit("1"), unit=pl.lit("u"), weight_kg=pl.lit("1"),
                vendor_registration=pl.lit(None, pl.String), mode=pl.lit("air"),
                personal_use=pl.lit(None, pl.String), destination_region=pl.lit(None, pl.String),
                courier=pl.lit(None, pl.String), line=pl.int_range(start + 1, start + m + 1), malformed=pl.lit(None, pl.String))
            df = df.select(*bulk.COLUMNS, "line", "malformed")
            t = time.perf_counter()
            res = bulk.assess(df, rules=r, schedule=sched, rates=rates, on=ON)
            spent += time.perf_counter() - t
            assessed += res.summary["assessed"]
        out[f"{eco} {'uniform' if not skew else f'zipf {skew}'}"] = {
            "parcels": n, "assessed": assessed, "distinct_lines": len(distinct), "seconds": round(spent, 2),
            "per_second": int(n / spent), "line_table_s": table_s}
    return out


def bulk_with_baseline(n: int, size: int, mixes: list[str], rev: str | None) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        if rev:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for mix in mixes:
            load = os.getloadavg()[0]
            (key, now), = parcels(n, size, [mix]).items()
            out[key] = {**now, "load_average": round(load, 1)}
            if rev:
                child = subprocess.run([sys.executable, __file__, "--bulk-only", "--parcels", str(n), "--chunk", str(size),
                                        "--mix", mix], env={**os.environ, "CLEARWAY_BENCH_SRC": f"{tmp}/src"},
                                       check=True, capture_output=True, text=True)
                out[key]["baseline"] = {"revision": rev, **json.loads(child.stdout)["bulk"][key]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[3] / "shared/data/tariffs/full"))
    ap.add_argument("--quotes", type=int, default=2000)
    ap.add_argument("--parcels", type=int, default=500_000)
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--no-import", action="store_true", help="skip the publication import timings")
    ap.add_argument("--mix", action="append", help="ECONOMY[:ZIPF] (default: JP, US, NZ, AU uniform; JP:1.3, US:1.3)")
    ap.add_argument("--bulk-only", action="store_true", help="only the bulk parcels")
    ap.add_argument("--baseline", help="a git revision whose bulk path runs beside the current one")
    args = ap.parse_args()
    report: dict = {"date": datetime.now(UTC).date().isoformat(), "cpus": os.cpu_count()}
    mixes = args.mix or ["JP", "US", "NZ", "AU", "JP:1.3", "US:1.3"]
    if args.bulk_only:
        report["bulk"] = bulk_with_baseline(args.parcels, args.chunk, mixes, args.baseline)
        print(json.dumps(report, indent=1))
        return
    if Path(args.data).is_dir() and not args.no_import:
        report["import"] = imports(Path(args.data))
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("CLEARWAY_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        db = database(url)
        factory, schedules = db.pop("_factory"), db.pop("_schedules")
        report["database_load"] = db
        report["load_average_quotes"] = os.getloadavg()
        report["quote"] = quotes(factory, schedules, args.quotes)
    report["bulk"] = bulk_with_baseline(args.parcels, args.chunk, mixes, args.baseline)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
