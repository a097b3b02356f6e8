"""The time-release report over a million declarations, on SQLite and PostgreSQL, against a plain SQL
aggregate of the same figures in the same run.

    python benchmarks/bench_trs.py [--n 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/bench]
                                   [--backends sqlite,postgresql] [--repeat 3] [--direct] [--reuse]

The declarations and their whole lifecycle (status history, lane decisions, assessments, controls,
payments, releases, goods items) are generated inside the database (INSERT ... SELECT over a series of
numbers, pseudo-random draws from each number), spread over six months across eight offices and all
three lanes; 5% are still waiting for assessment and 3% are under control (censored).

The report reads one row of milestones per declaration (timerelease_milestones), which the flows keep in
the same transaction as each lifecycle step; the generated history is written as raw rows, so the table is
filled afterwards by the backfill migration 1001 runs (`flows.milestones.backfill`), timed as `backfill_s`.

Measured, each the best of --repeat:
  report_by_office  what GET /api/v1/metrics/time-release?by=office does: read the lifecycle as columns, report
  full_report       load once, then the overall figures, each of the 8 breakdowns and the bottlenecks
  reference_*       the same through the path kept as the reference (CSV of every column into a Polars frame,
                    timerelease.reference), once; `same_figures_as_reference` compares every figure
  plain_sql         one SQL aggregate of the same intervals from the stored milestones: count and mean per
                    interval (and on PostgreSQL the median and 90th percentile with percentile_disc), which
                    drops the declarations in progress instead of censoring them
  history_sql       the same aggregate over the history's joins (what the report ran before the table)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import func, literal, select, text, union_all  # noqa: E402

from clearway.auth.core import Principal  # noqa: E402
from clearway.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from clearway.flows import milestones, time_release  # noqa: E402
from clearway.risk import service as risk  # noqa: E402
from clearway.risk.schemas import PolicyIn  # noqa: E402
from clearway.timerelease import core, reference, report  # noqa: E402
from clearway.timerelease.models import Milestones  # noqa: E402
from timing import best_of, runs  # noqa: E402

BASE = datetime(2026, 5, 1, tzinfo=UTC)
SPAN = 183 * 86400  # six months, in seconds
OFFICES = ["AUSYD", "AUMEL", "AUBNE", "AUPER", "AUADL", "AUFRE", "AUDRW", "AUHBA"]


def dialect_sql(name: str) -> dict[str, str]:
    if name == "sqlite":
        return {"ts": "datetime('2026-05-01', ({0}) || ' seconds')",
                "iso": "strftime('%Y-%m-%dT%H:%M:%SZ', datetime('2026-05-01', ({0}) || ' seconds'))",
                "json": "json_object({0})", "series": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                                                     "FROM n WHERE i < :n) SELECT i FROM n",
                "true": "1", "false": "0"}
    return {"ts": "(timestamptz '2026-05-01 00:00:00+00' + make_interval(secs => ({0})))",
            "iso": "to_char(timestamptz '2026-05-01 00:00:00+00' AT TIME ZONE 'UTC' + make_interval(secs => ({0})), "
                   "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
            "json": "json_build_object({0})", "series": "SELECT i FROM generate_series(1, :n) AS i",
            "true": "true", "false": "false"}


def generate(engine, n: int, *, direct: bool = False) -> float:
    """The data inside the database; `direct`: the declarations and their milestones rows only (the values
    the backfill computes from the history, written straight; `--check-direct` compares the two on a small n)."""
    d = dialect_sql(engine.dialect.name)
    ts, iso, obj = (lambda e: d["ts"].format(e)), (lambda e: d["iso"].format(e)), (lambda e: d["json"].format(e))
    office = "CASE i % 8 " + " ".join(f"WHEN {k} THEN '{o}'" for k, o in enumerate(OFFICES)) + " END"
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_base"))
        conn.execute(text(f"""CREATE TABLE bench_base AS SELECT i, {office} AS office,
            CAST(i AS BIGINT) * {SPAN} / :n AS lodged,
            CAST(i AS BIGINT) * {SPAN} / :n + ((CAST(i AS BIGINT) * 2654435761) % 1000 - 400) * 60 AS arrival,
            CASE WHEN (CAST(i AS BIGINT) * 40503 + 17) % 1000 < 50 THEN 'accepted'
                 WHEN (CAST(i AS BIGINT) * 40503 + 17) % 1000 < 80 THEN 'under_control' ELSE 'released' END AS status,
            CASE WHEN (CAST(i AS BIGINT) * 69069 + 1) % 1000 < 700 THEN 'green'
                 WHEN (CAST(i AS BIGINT) * 69069 + 1) % 1000 < 900 THEN 'yellow' ELSE 'red' END AS lane,
            (CAST(i AS BIGINT) * 1103515245 + 12345) % 1000 AS r4,
            (CAST(i AS BIGINT) * 2654435761) % 1000 AS r1,
            (CAST(i AS BIGINT) * 40503 + 17) % 1000 AS r2
            FROM ({d["series"]}) AS s"""), {"n": n})
        conn.execute(text("ALTER TABLE bench_base ADD COLUMN assessed BIGINT"))
        conn.execute(text("UPDATE bench_base SET assessed = lodged + r4 * 10 + 60"))
        steps = {  # seconds after lodgement of each later milestone
            "lane": "assessed + 5", "control_end": "assessed + 5 + r1 * 100", "paid": "assessed + r2 * 50",
        }
        rel = f"(CASE WHEN lane = 'green' THEN {steps['paid']} ELSE " \
              f"(CASE WHEN {steps['control_end']} > {steps['paid']} THEN {steps['control_end']} ELSE {steps['paid']} " \
              "END) END) + 30"
        conn.execute(text(f"""INSERT INTO declarations (id, mrn, lrn, declarant_id, type, economy, office, status,
            version, fingerprint, content, accepted_at, updated_at)
            SELECT i, 'M' || i, 'L' || i, 'AU-BENCH-1', 'import', 'AU', office, status, 1, 'x',
            {obj("'transport', " + obj("'mode', CASE WHEN i % 2 = 0 THEN 'sea' ELSE 'air' END, 'arrival', "
                                       + iso("arrival")) + ", 'importer', " + obj("'id', 'AU-IMP-' || (i % 500)"))},
            {ts("lodged")}, {ts("lodged")} FROM bench_base"""))
        if direct:
            _direct_milestones(conn, d, steps, rel)
        else:
            events = [("accepted", "lodged", "1=1"), ("assessed", "assessed", "status <> 'accepted'"),
                      ("lane_selected", steps["lane"], "status <> 'accepted'"),
                      ("under_control", steps["lane"], "status <> 'accepted' AND lane <> 'green'"),
                      ("released", rel, "status = 'released'")]
            for k, (status, at, where) in enumerate(events):
                conn.execute(text(f"""INSERT INTO declaration_status_events (id, declaration_id, to_status, at, actor)
                    SELECT i * 8 + {k}, i, '{status}', {ts(at)}, 'bench' FROM bench_base WHERE {where}"""))
            conn.execute(text("""INSERT INTO declaration_items (id, declaration_id, line, hs_code, description, origin,
                quantity, unit, value) SELECT i, i, 1, CASE WHEN r4 < 50 THEN '300241' ELSE '610910' END, 'goods', 'CN',
                '10', 'pce', '100' FROM bench_base"""))
            conn.execute(text(f"""INSERT INTO risk_lane_decisions (id, declaration_id, mrn, declaration_version, economy,
                office, day, lane, basis, random, priority, mandatory, rank, reasons, model_reasons, decided_at, actor)
                SELECT i, i, 'M' || i, 1, 'AU', office, '2026-05-01', lane, 'score', {d["false"]}, 'normal', 'green',
                0.5, '[]', '[]', {ts(steps["lane"])}, 'bench' FROM bench_base WHERE status <> 'accepted'"""))
            conn.execute(text(f"""INSERT INTO tariff_assessments (id, declaration_id, declaration_version, rules_date,
                currency, duty, excise, tax, fees, total_due, lane, detail, assessed_at, actor)
                SELECT i, i, 1, '2026-05-01', 'AUD', '5', '0', '10', '0', '15', lane,
                {obj("'de_minimis', " + obj(f"'duty_waived', CASE WHEN r1 < 100 THEN {d['true']} ELSE {d['false']} END"))},
                {ts("assessed")}, 'bench' FROM bench_base WHERE status <> 'accepted'"""))
            conn.execute(text(f"""INSERT INTO risk_inspections (id, declaration_id, mrn, lane, random, outcome, severity,
                findings, extra_duty, currency, decision, inspected_at, officer)
                SELECT i, i, 'M' || i, lane, {d["false"]}, 'compliant', 0, '[]', '0', 'AUD', 'release',
                {ts(steps["control_end"])}, 'bench' FROM bench_base WHERE status = 'released' AND lane <> 'green'"""))
            conn.execute(text(f"""INSERT INTO payments (id, declaration_id, receipt, amount, currency, method, reference,
                paid_at, actor) SELECT i, i, 'R' || i, '15', 'AUD', 'bank_transfer', 'RF' || i, {ts(steps["paid"])},
                'bench' FROM bench_base WHERE status = 'released'"""))
            conn.execute(text(f"""INSERT INTO releases (id, declaration_id, code, basis, released_at, actor)
                SELECT i, i, 'C' || i, 'paid', {ts(rel)}, 'bench' FROM bench_base WHERE status = 'released'"""))
        conn.execute(text("DROP TABLE bench_base"))
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _direct_milestones(conn, d: dict[str, str], steps: dict[str, str], rel: str) -> None:
    ts = d["ts"].format
    assessed = "status <> 'accepted'"
    released = "status = 'released'"

    def when(cond: str, value: str) -> str:
        return f"CASE WHEN {cond} THEN {value} END"

    conn.execute(text(f"""INSERT INTO timerelease_milestones (declaration_id, economy, office, status, declarant,
        importer, mode, lane, low_value, items, goods, arrival, lodged, accepted, assessed, lane_selected,
        control_start, control_end, paid, released)
        SELECT i, 'AU', office, status, 'AU-BENCH-1', 'AU-IMP-' || (i % 500),
        CASE WHEN i % 2 = 0 THEN 'sea' ELSE 'air' END, {when(assessed, "lane")},
        {when(assessed, f"CASE WHEN r1 < 100 THEN {d['true']} ELSE {d['false']} END")}, 1,
        CASE WHEN r4 < 50 THEN '300241' ELSE '610910' END, {ts("arrival")}, {ts("lodged")}, {ts("lodged")},
        {when(assessed, ts("assessed"))}, {when(assessed, ts(steps["lane"]))},
        {when(assessed + " AND lane <> 'green'", ts(steps["lane"]))},
        {when(released + " AND lane <> 'green'", ts(steps["control_end"]))}, {when(released, ts(steps["paid"]))},
        {when(released, ts(rel))} FROM bench_base"""))


def plain_sql(engine, *, stored: bool = True) -> list[tuple]:
    """The same intervals by one SQL aggregate, from the stored milestones or over the history's joins: ended
    intervals only (no censoring)."""
    lo, hi = BASE - timedelta(days=1), BASE + timedelta(days=200)
    if stored:
        t = Milestones
        m = select(t.lodged, t.accepted, t.assessed, t.lane_selected, t.control_start, t.control_end, t.paid,
                   t.released).where(t.lodged >= lo, t.lodged < hi).subquery()
    else:
        m = milestones.history_query(lo=lo, hi=hi).subquery()
    sqlite = engine.dialect.name == "sqlite"

    def secs(a, b):
        return (func.julianday(b) - func.julianday(a)) * 86400 if sqlite else func.extract("epoch", b - a)

    pairs = {"lodgement_to_acceptance": (m.c.lodged, m.c.accepted),
             "acceptance_to_assessment": (m.c.accepted, m.c.assessed),
             "assessment_to_lane": (m.c.assessed, m.c.lane_selected), "control": (m.c.control_start, m.c.control_end),
             "payment": (m.c.assessed, m.c.paid), "lodgement_to_release": (m.c.lodged, m.c.released)}
    parts = []
    for name, (a, b) in pairs.items():
        x = secs(a, b)
        cols = [literal(name), func.count(x), func.avg(x)]
        if not sqlite:
            cols += [func.percentile_disc(0.5).within_group(x), func.percentile_disc(0.9).within_group(x)]
        parts.append(select(*cols).select_from(m))
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(union_all(*parts))]


def _server_cpu(session) -> float | None:
    """CPU seconds all the PostgreSQL server's processes have used so far (a local server only: /proc): the
    report reads a large window on several connections at once, so the session's own backend is not all of
    it. On an idle machine the wall time is then about the client's CPU plus the server's divided among the
    connections that ran at once."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    total = 0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "comm").read_text().strip() == "postgres":
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except OSError:
            continue  # ended meanwhile
    return total / os.sysconf("SC_CLK_TCK")


def _cpu(fn, factory) -> dict:
    """Client and server CPU seconds of one run of fn(session)."""
    with factory() as session:
        server, client = _server_cpu(session), time.process_time()
        fn(session)
        client = time.process_time() - client
        after = _server_cpu(session)
    return {"client": round(client, 2), "server": None if server is None else round(after - server, 2)}


TRUSTED = [f"AU-IMP-{i}" for i in range(0, 500, 20)]  # 25 of the 500 importers: 5% of the declarations


def trust(factory) -> None:
    """The AU lane policy names some importers as trusted traders (once), so that the report matches parties
    against it as an administration's would."""
    with factory() as session, session.begin():
        if "AU" not in risk.policy_economies(session):
            risk.set_policy(session, principal=Principal(key_id=0, role="admin", economy="AU"),
                            body=PolicyIn(trusted_traders=TRUSTED))


def run(url: str, n: int, repeat: int, history: bool, direct: bool = False, reuse: bool = False) -> dict:
    engine = make_engine(url)
    made = backfilled = filled = None
    if not reuse:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        migrate(engine)
        made = generate(engine, n, direct=direct)
        if not direct:
            started = time.perf_counter()
            with engine.begin() as conn:
                filled = milestones.backfill(conn)
            backfilled = time.perf_counter() - started
        with engine.connect() as conn:
            vacuum = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(f"{vacuum} timerelease_milestones"))
    factory = make_sessionmaker(engine)
    trust(factory)
    start, end = BASE, BASE + timedelta(seconds=SPAN + 86400)
    as_of = end
    bys = (None, *core.DIMENSIONS, "period")

    def by_office():
        with factory() as session:
            return time_release.time_release(session, start=start, end=end, by="office", as_of=as_of)

    def full():
        with factory() as session:
            lifecycle = time_release.lifecycle_columns(session, lo=start - (end - start), hi=end)
        return [report.report(lifecycle, as_of=as_of, start=start, end=end, by=by) for by in bys]

    def reference_by_office():  # the path before issue 13's work: CSV of every column, Polars frames per group
        with factory() as session:
            frame = time_release.lifecycles(session, lo=start - (end - start), hi=end)
        return reference.report(frame, as_of=as_of, start=start, end=end, by="office")

    def reference_full():
        with factory() as session:
            frame = time_release.lifecycles(session, lo=start - (end - start), hi=end)
        return [reference.report(frame, as_of=as_of, start=start, end=end, by=by) for by in bys]

    def fast_office(session):
        return time_release.time_release(session, start=start, end=end, by="office", as_of=as_of)

    def fast_full(session):
        lifecycle = time_release.lifecycle_columns(session, lo=start - (end - start), hi=end)
        return [report.report(lifecycle, as_of=as_of, start=start, end=end, by=by) for by in bys]

    def reference_office(session):
        frame = time_release.lifecycles(session, lo=start - (end - start), hi=end)
        return reference.report(frame, as_of=as_of, start=start, end=end, by="office")

    cpu = {name: _cpu(fn, factory) for name, fn in (("report_by_office", fast_office), ("full_report", fast_full),
                                                    ("reference_by_office", reference_office))}
    office_runs, rep = runs(by_office, repeat)
    t_office = min(office_runs)
    t_full, reps = best_of(full, repeat)
    t_ref_office, ref = best_of(reference_by_office, 1)
    t_ref_full, refs = best_of(reference_full, 1)
    same = rep.model_dump() == ref.model_dump() and [r.model_dump() for r in reps] == [r.model_dump() for r in refs]
    t_sql, rows = best_of(lambda: plain_sql(engine), repeat)
    t_history = best_of(lambda: plain_sql(engine, stored=False), 1)[0] if history and not direct else None
    figures = {s.interval: (s.ended, s.censored, s.mean_hours, s.median_hours, s.p90_hours) for s in rep.intervals}
    engine.dispose()
    return {"backend": engine.dialect.name, "declarations": n, "generate_s": made and round(made, 1),
            "backfill_s": backfilled and round(backfilled, 1), "backfilled": filled,
            "history_sql_s": None if t_history is None else round(t_history, 2),
            "report_by_office_s": round(t_office, 2), "report_by_office_runs_s": [round(t, 2) for t in office_runs],
            "full_report_s": round(t_full, 2),
            "reference_by_office_s": round(t_ref_office, 2), "reference_full_s": round(t_ref_full, 2),
            "same_figures_as_reference": same, "plain_sql_s": round(t_sql, 2), "report": figures,
            "plain_sql": {r[0]: [round(float(x) / 3600, 2) if x is not None and i else x
                                 for i, x in enumerate(r[1:])] for r in rows},
            "cpu_s": cpu, "load_average": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-history", dest="history", action="store_false",
                    help="skip the (slow) aggregate over the history's joins")
    ap.add_argument("--direct", action="store_true",
                    help="write the milestones straight (no history, no backfill; see generate)")
    ap.add_argument("--reuse", action="store_true", help="measure the data already in --pg (PostgreSQL only)")
    args = ap.parse_args()
    for backend in args.backends.split(","):
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-trs-')}/trs.db" if backend == "sqlite" else args.pg
        try:
            print(json.dumps(run(url, args.n, args.repeat, args.history, args.direct, args.reuse), default=str),
                             flush=True)
        except Exception as exc:  # noqa: BLE001 - e.g. no PostgreSQL here: say so and go on
            print(json.dumps({"backend": backend, "skipped": f"{type(exc).__name__}: {exc}"[:300]}), flush=True)


if __name__ == "__main__":
    main()
