"""The commands (run as a user would, in a subprocess) and the bulk HTTP endpoint."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from clearway.audit.models import AuditEvent
from tests.support import EXAMPLES

SRC = str(Path(__file__).resolve().parents[2] / "src")


def cw(tmp_path, *args, stdin=None):
    env = {**os.environ, "PYTHONPATH": SRC, "CLEARWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'cw.db'}"}
    return subprocess.run([sys.executable, "-m", "clearway", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=120)


def test_schedule_and_rates_load_then_quote_uses_them(tmp_path):
    r = cw(tmp_path, "tariff", "load", str(EXAMPLES / "tariff-schedule-kr.csv"))
    assert r.returncode == 0 and "KR: 4 measures loaded" in r.stdout, r.stderr
    line = json.loads(cw(tmp_path, "tariff", "line", "KR", "220421", "--date", "2026-11-28").stdout)
    assert {m["type"]: m["rate"] for m in line["measures"]} == {"mfn": "15%", "excise": "30%"}
    rates = tmp_path / "rates.csv"
    rates.write_text("economy,currency,rate,valid_from,valid_to\nKR,USD,1400,2026-11-01,2026-11-30\n")
    assert cw(tmp_path, "rates", "load", str(rates)).returncode == 0
    decl = {"lrn": "Q1", "type": "import", "economy": "KR", "office": "KRINC",
            "declarant": {"id": "KR-1", "name": "B"}, "importer": {"id": "KR-2", "name": "I"},
            "transport": {"mode": "air"}, "currency": "USD",
            "items": [{"hs_code": "610910", "description": "tees", "origin": "VN", "quantity": "10", "unit": "u",
                       "value": "250.00"}]}
    q = cw(tmp_path, "quote", "-", "--date", "2026-11-15", "--json", stdin=json.dumps(decl))
    assert q.returncode == 0, q.stderr
    a = json.loads(q.stdout)
    # 350,000 KRW; duty 13% = 45,500; VAT 10% of 395,500 = 39,550
    assert (a["duty"], a["tax"], a["total_due"]) == ("45500", "39550", "85050")
    old = cw(tmp_path, "quote", "-", "--date", "2024-06-15", stdin=json.dumps(decl))  # before the demo rates
    assert old.returncode == 2 and "no customs exchange rate USD->KRW" in old.stderr


def test_bad_schedule_is_refused_whole_with_the_field(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"economy": "NZ", "currency": "NZD", "measures": [
        {"code": "610910", "type": "mfn", "rate": "10%"},
        {"code": "610910", "type": "mfn", "rate": "12 NZD/furlong"}]}))
    r = cw(tmp_path, "tariff", "load", str(bad))
    assert r.returncode == 2 and "measures[1].rate" in r.stderr
    line = json.loads(cw(tmp_path, "tariff", "line", "NZ", "610910").stdout)
    assert [m["rate"] for m in line["measures"] if m["type"] == "mfn"] == ["10%"]  # still the demo schedule


def test_lvg_import_writes_results_and_refuses_the_bad_line(tmp_path):
    out = tmp_path / "results.jsonl"
    r = cw(tmp_path, "lvg", "import", str(EXAMPLES / "lvg-manifest-au.jsonl"), "--economy", "AU",
           "--date", "2026-11-28", "--results", str(out))
    assert r.returncode == 1  # one refused parcel
    assert "6 parcels: 5 assessed, 1 refused" in r.stdout and "AU-EX-0006" in r.stdout
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 6 and rows[2]["duty"] == "72.50" and rows[5]["outcome"] == "refused"


def test_bulk_endpoint_over_http(keys, server, db):
    key = keys.create("declarant", "AU", "AU-EXPRESS-1")
    text = (EXAMPLES / "lvg-manifest-au.jsonl").read_text()
    with keys.client(key) as c:
        r = c.post("/api/v1/consignments/bulk", params={"date": "2026-11-28"}, content=text,
                   headers={"content-type": "application/x-ndjson"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["summary"]["assessed"] == 5 and body["summary"]["refused"] == 1
        assert body["summary"]["total"] == "379.85"
        csv = c.post("/api/v1/consignments/bulk", params={"date": "2026-11-28"}, content=text,
                     headers={"accept": "text/csv"})
        assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("line,parcel")
        empty = c.post("/api/v1/consignments/bulk", content=b"  ")
        assert empty.status_code == 422
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "consignments.bulk_assessed")) == 1  # the same manifest twice: recorded once
