"""records.by_numbers: the numbers held found (first asked on the driver's cursor, issue 16), those not held absent,
a certificate added in this transaction and not yet flushed found as the query of objects finds it."""

from __future__ import annotations

from clearway.certificates import records
from clearway.certificates.models import Certificate
from clearway.db import transaction, utcnow


def _certificate(number: str, exporter: str, code: str) -> Certificate:
    now = utcnow()
    return Certificate(number=number, exporting_economy=exporter, importing_economy="AU", direction="received",
                       status="issued", status_code=70, type_code=851, xml="<x/>", sha256="0" * 64,
                       verification_code=code, signed=True, summary={}, findings=[], recorded_at=now, updated_at=now,
                       actor="test")


def test_by_numbers_finds_the_numbers_held_and_no_other(db):
    with transaction(db.factory) as s:
        s.add_all([_certificate("TH-1", "TH", "C1"), _certificate("TH-1", "CN", "C2"), _certificate("TH-2", "TH", "C3")])
    with transaction(db.factory) as s:
        found = records.by_numbers(s, ["TH-1", "TH-9", "TH-2", "TH-1"])
        assert {n: sorted(c.exporting_economy for c in rows) for n, rows in found.items()} == {
            "TH-1": ["CN", "TH"], "TH-2": ["TH"]}
        assert records.by_numbers(s, ["TH-9"]) == {} and records.by_numbers(s, []) == {}
        s.add(_certificate("TH-9", "TH", "C4"))  # not flushed yet
        assert [c.verification_code for c in records.by_numbers(s, ["TH-9"])["TH-9"]] == ["C4"]
