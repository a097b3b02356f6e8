"""Live evidence from an economy's own records, on hand-built rows whose figures are worked by hand; the other
economy's records never count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from clearway.db import transaction
from clearway.declarations.models import Declaration, DeclarationDocument
from clearway.payments.models import Payment
from clearway.release.models import Release
from clearway.risk.models import LaneDecisionRow, RiskPolicy
from clearway.tfa import evidence

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _declaration(session, n: int, economy: str, declarant: str, arrival: datetime | None) -> Declaration:
    content = {"arrival": arrival.isoformat().replace("+00:00", "Z")} if arrival else {}
    keys = {"mrn": f"26{economy}TEST{n:07d}", "lrn": f"L{n}", "declarant_id": declarant}
    ident = None
    if session.get_bind().dialect.name == "postgresql":  # its keys' row first, as lodging writes it
        ident = session.execute(text("INSERT INTO declaration_keys (declarant_id, lrn, mrn) "
                                     "VALUES (:declarant_id, :lrn, :mrn) RETURNING id"), keys).scalar_one()
    row = Declaration(id=ident, **keys, type="IM", economy=economy, office=f"{economy}SYD", status="accepted",
                      version=1, fingerprint="x" * 64, content=content, accepted_at=T0, updated_at=T0)
    session.add(row)
    session.flush()
    return row


def _lane(session, decl: Declaration, lane: str) -> None:
    session.add(LaneDecisionRow(declaration_id=decl.id, mrn=decl.mrn, declaration_version=1, economy=decl.economy,
                                office=decl.office, importer=None, day="2026-11-30", lane=lane, basis="score",
                                random=False, priority="normal", mandatory="green", probability=0.1,
                                expected_revenue=None, rank=0.1, reasons=[], model_reasons=[], model_version=None,
                                policy_version=None, decided_at=T0, actor="test"))


def test_each_figure_counts_the_economys_own_records(db):
    with transaction(db.factory) as session:
        d1 = _declaration(session, 1, "AU", "AU-1", T0 + timedelta(hours=2))  # lodged 2 h before arrival
        d2 = _declaration(session, 2, "AU", "AU-2", T0 - timedelta(hours=1))  # lodged after arrival
        d3 = _declaration(session, 3, "AU", "AU-TRUSTED", None)  # no arrival given
        nz = _declaration(session, 4, "NZ", "NZ-1", T0 + timedelta(hours=5))
        session.add_all([
            Payment(declaration_id=d1.id, receipt="R1", amount=Decimal("10"), currency="AUD", method="bank_transfer",
                    reference="RF1", paid_at=T0, actor="test"),
            Payment(declaration_id=nz.id, receipt="R2", amount=Decimal("10"), currency="NZD", method="deferred",
                    reference="RF2", paid_at=T0, actor="test"),
            Release(declaration_id=d1.id, code="C1", basis="paid", released_at=T0 + timedelta(hours=1), actor="t"),
            Release(declaration_id=d2.id, code="C2", basis="secured", released_at=T0 + timedelta(hours=3), actor="t"),
            Release(declaration_id=nz.id, code="C3", basis="secured", released_at=T0 + timedelta(hours=9), actor="t"),
            DeclarationDocument(declaration_id=d1.id, type="invoice", reference="INV-1"),
            DeclarationDocument(declaration_id=d1.id, type="packing_list", reference="PL-1"),
            RiskPolicy(economy="AU", version=1, policy={"trusted_traders": ["AU-OLD"]}, created_at=T0, actor="t"),
            RiskPolicy(economy="AU", version=2, policy={"trusted_traders": ["AU-TRUSTED"]}, created_at=T0, actor="t"),
        ])
        for decl, lane in ((d1, "green"), (d2, "red"), (d3, "green"), (nz, "red")):
            _lane(session, decl, lane)
    with transaction(db.factory) as session:
        got = {e.measure: (e.value, e.numerator, e.denominator) for e in evidence.live(session, economy="AU")}
    assert got == {
        "7.1": (Decimal("33.3"), 1, 3),  # d1 only
        "7.2": (Decimal("100.0"), 1, 1),  # AU's one payment, by bank transfer
        "7.3": (Decimal("50.0"), 1, 2),  # d2 released against a guarantee, of d1 and d2
        "7.4": (Decimal("66.7"), 2, 3),  # d1 and d3 green
        "7.6": (Decimal("2.00"), 2, 2),  # (1 h + 3 h) / 2
        "7.7": (Decimal("33.3"), 1, 3),  # d3's declarant is trusted in the latest policy (version 2)
        "10.2": (Decimal("33.3"), 1, 3),  # d1 cites two documents: counted once
        "10.4": (Decimal("0"), 0, 0),
    }


def test_an_economy_without_records_has_no_shares_rather_than_zeros(db):
    with transaction(db.factory) as session:
        found = evidence.live(session, economy="PE")
    assert [e.value for e in found if e.unit != "certificates"] == [None] * 7
