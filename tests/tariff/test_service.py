"""Loading schedules and rates into the database (both backends) and reading them back exactly."""

from datetime import date
from decimal import Decimal as D

import pytest

from clearway.db import transaction
from clearway.errors import Invalid
from clearway.tariff import service

SCHEDULE = """{"economy": "NZ", "currency": "NZD", "measures": [
 {"code": "610910", "type": "mfn", "rate": "10%", "valid_to": "2026-06-30"},
 {"code": "610910", "type": "mfn", "rate": "5%", "valid_from": "2026-07-01"},
 {"code": "*", "type": "fee", "rate": "55.93 NZD/entry", "min_value": "1000", "description": "import entry transaction fee (example)"}]}"""


def test_loaded_schedule_replaces_the_demo_one_and_keeps_fee_bounds(db):
    with transaction(db.factory) as s:
        assert service.load_schedules(s, text=SCHEDULE, name="nz.json", actor="test") == [
            {"economy": "NZ", "measures": 3}]
    with transaction(db.factory) as s:
        sched = service.schedule_for(s, "NZ")
        assert [m.rate for m in sched.find("mfn", "610910", date(2026, 6, 30))] == ["10%"]
        assert [m.rate for m in sched.find("mfn", "61091000", date(2026, 7, 1))] == ["5%"]
        assert sched.find("mfn", "851713", date(2026, 7, 1)) == []  # the demo lines are gone
        fee = sched.fees(date(2026, 7, 1))[0]
        assert fee.min_value == D("1000") and fee.rate == "55.93 NZD/entry"
        info = service.line_info(s, economy="NZ", code="610910", on=date(2026, 7, 1))
        assert info["fees"][0]["min_value"] == "1000"


def test_rates_loaded_are_exact_and_dated(db):
    text = "economy,currency,rate,valid_from,valid_to\nVN,USD,26312.123456789,2026-11-01,2026-11-30\n"
    with transaction(db.factory) as s:
        assert service.load_rates(s, text=text, actor="test") == 1
    with transaction(db.factory) as s:
        assert service.rates_for(s, "VN", date(2026, 11, 15))["USD"] == D("26312.123456789")
        assert service.rates_for(s, "VN", date(2026, 12, 1))["USD"] == D("26300")  # the demo rate again
        assert "USD" not in service.rates_for(s, "VN", date(2024, 12, 31))  # before the demo rates


def test_a_bad_rates_file_stores_nothing(db):
    text = "economy,currency,rate,valid_from\nAU,USD,1.5,2026-11-01\nAU,AUD,1,2026-11-01\nXX,USD,-1,soon\n"
    with pytest.raises(Invalid) as exc:
        with transaction(db.factory) as s:
            service.load_rates(s, text=text, actor="test")
    assert {e.path for e in exc.value.errors} >= {"line 3.currency", "line 4.economy", "line 4.rate"}
    with transaction(db.factory) as s:
        assert service.rates_for(s, "AU", date(2026, 11, 15))["USD"] == D("1.53")
