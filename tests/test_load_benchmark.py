"""benchmarks/load.py (issue 18) end to end on SQLite, briefly: two clients for two seconds against the server
it starts, then its end-of-run check. The check must pass on what the run stored, and must name what is planted
afterwards straight into the database: a payment stored twice, a declaration acknowledged but not stored, an
altered audit event. The figures themselves are not asserted (speed goes to docs/benchmarks.md)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from clearway.db import make_engine

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the scripts import their shared helpers as top-level modules
    return importlib.import_module("load")


def test_a_short_mixed_run_verifies_and_the_check_names_a_planted_duplicate(load, tmp_path: Path):
    out = tmp_path / "load.json"
    run = subprocess.run([sys.executable, str(BENCHMARKS / "load.py"), "--backend", "sqlite", "--clients", "2",
                          "--seconds", "2", "--baseline-seconds", "0.5", "--warm-up", "0", "--keep", str(tmp_path),
                          "--json", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "nothing lost or duplicated; the audit chain verifies" in run.stdout
    result = json.loads(out.read_text())
    declarations, payments = result["acknowledged"]["declarations"], result["acknowledged"]["payments"]
    v = result["verification"]
    assert v["problems"] == []
    assert v["declarations_acknowledged"] == v["declarations_stored"] == len(declarations) >= 2  # each client lodges first
    assert v["payments_acknowledged"] == v["payments_stored"] == len(payments)
    assert v["audit"].startswith("audit chain intact")
    mixed = result["mixed"]["overall"]
    assert mixed["requests"] == sum(f["requests"] for f in result["mixed"]["operations"].values()) > 0
    assert result["baseline"]["operations"]["healthz"]["ok"] == result["baseline"]["operations"]["healthz"]["requests"]

    url, tag = result["run"]["database"], result["run"]["tag"]
    assert url == f"sqlite:///{tmp_path / 'load.db'}"
    # Plant: the first acknowledged declaration paid twice (a copy of its acknowledged payment, or two rows).
    mrn = next(iter(declarations))
    engine = make_engine(url)
    with engine.begin() as conn:
        did = conn.execute(text("SELECT id FROM declarations WHERE mrn = :m"), {"m": mrn}).scalar_one()
        had = conn.execute(text("SELECT count(*) FROM payments WHERE declaration_id = :d"), {"d": did}).scalar_one()
        assert had == (1 if mrn in payments.values() else 0)
        planted = 2 - had
        for n in range(planted):
            conn.execute(text("INSERT INTO payments (declaration_id, receipt, amount, currency, method, reference, "
                              "paid_at, actor) VALUES (:d, :r, 10, 'AUD', 'bank_transfer', 'X', "
                              "'2026-12-03 00:00:00.000000', 'planted')"), {"d": did, "r": f"PLANTED-{n + 1}"})
    engine.dispose()
    found = load.verify(url, declarations, payments, tag)
    assert found["problems"] == [f"declaration {mrn} has 2 payments stored",
                                 f"{planted} payments stored that were never acknowledged, e.g. PLANTED-1"]
    assert found["payments_stored"] == len(payments) + planted

    # An acknowledged declaration that is not there, and an audit event altered after it was sealed.
    lost = {**declarations, "AU26LOST0000001": f"{tag}-9-9"}
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM payments WHERE actor = 'planted'"))
        conn.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 3"))
    engine.dispose()
    found = load.verify(url, lost, payments, tag)
    assert found["problems"][0] == f"declaration AU26LOST0000001 ({tag}-9-9) acknowledged, stored 0 times"
    assert len(found["problems"]) == 2 and found["problems"][1].startswith("audit verify exit 1: audit chain BROKEN "
                                                                            "at event 3")
