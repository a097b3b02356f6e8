"""GET /api/v1/metrics/time-release over real HTTP on both backends: public, filtered, broken down, as CSV;
bad queries answered 422 naming the field."""

from __future__ import annotations

import csv
import io

import httpx

from clearway.db import transaction
from clearway.demo_trs import retime
from tests.cli_support import run
from tests.timerelease.test_flow import h, lodge_two

WINDOW = {"from": "2026-03-01", "to": "2026-03-03"}


def seeded(db, keys) -> None:
    done, waiting = lodge_two(db.factory, keys)
    with transaction(db.factory) as session:
        retime(session, declaration_id=done, at={"arrival": h(6), "lodged": h(0), "assessed": h(2),
                                                 "lane_selected": h(2.5), "paid": h(5), "released": h(5.5)})
        retime(session, declaration_id=waiting, at={"arrival": h(-4), "lodged": h(1)})


def test_the_figures_are_public_filtered_and_broken_down(db, server, keys):
    seeded(db, keys)
    with httpx.Client(base_url=server.url, timeout=30) as anyone:
        r = anyone.get("/api/v1/metrics/time-release", params={**WINDOW, "economy": "AU"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["from"], body["to"]) == ("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z")
        assert body["declarations"] == 2
        figures = {s["interval"]: s for s in body["intervals"]}
        assert figures["payment"]["mean_hours"] == 3.0 and figures["payment"]["ended"] == 1
        assert figures["lodgement_to_release"]["censored"] == 1  # the waiting one, in progress now
        r = anyone.get("/api/v1/metrics/time-release", params={**WINDOW, "pre_arrival": "yes"})
        assert r.json()["declarations"] == 1
        r = anyone.get("/api/v1/metrics/time-release",
                       params={**WINDOW, "by": "lane", "target": "payment:2.5"})
        groups = {g["value"]: g for g in r.json()["groups"]}
        assert set(groups) == {"green", "(none)"}
        payment = next(s for s in groups["green"]["intervals"] if s["interval"] == "payment")
        assert (payment["target_hours"], payment["within_target"]) == (2.5, 0.0)  # took 3 h
        r = anyone.get("/api/v1/metrics/time-release", params={**WINDOW, "by": "office", "format": "csv"})
        assert r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) == 9 * (1 + len({row["group"] for row in rows} - {"all"}))
        first = next(row for row in rows if row["group"] == "all" and row["interval"] == "payment")
        assert first["mean_hours"] == "3.0"


def test_bad_queries_name_the_field(db, server):
    with httpx.Client(base_url=server.url, timeout=30) as anyone:
        for params, field in [({"from": "2026-13-01"}, "from"), ({"from": "2026-03-05", "to": "2026-03-01"}, "to"),
                              ({"from": "2026-03-01T00:00:00"}, "from"), ({"target": "nap:3"}, "target[0]"),
                              ({"target": "payment:-1"}, "target[0]")]:
            r = anyone.get("/api/v1/metrics/time-release", params=params)
            assert r.status_code == 422, (params, r.text)
            assert field in r.text, r.text
        r = anyone.get("/api/v1/metrics/time-release", params={"by": "colour"})
        assert r.status_code == 422 and "by" in r.text


def test_the_cli_prints_the_tables_and_refuses_bad_options(db, keys):
    seeded(db, keys)
    done = run(db, "trs", "report", "--from", "2026-03-01", "--to", "2026-03-03", "--by", "lane")
    assert done.returncode == 0, done.stderr
    assert "2 declarations" in done.stdout
    payment = next(line for line in done.stdout.splitlines() if "│ payment" in line and "all" in line)
    assert "3.00" in payment
    as_csv = run(db, "trs", "report", "--from", "2026-03-01", "--to", "2026-03-03", "--csv")
    assert as_csv.stdout.splitlines()[0].startswith("group,interval,ended")
    bad = run(db, "trs", "report", "--from", "2026-03-09", "--to", "2026-03-03")
    assert bad.returncode == 2 and "to: must be after from" in bad.stderr
