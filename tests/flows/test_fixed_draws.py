"""Tests cannot flake on the random compliance selection (issue 9: `test_release_against_a_guarantee_
then_payment_discharges_it[postgresql]` went to control once because the 1% share drew it)."""

from __future__ import annotations

import random

from clearway.flows import lanes
from tests.support import example

DECLARANT = "AU-ABN-11222333444"


def test_even_a_draw_of_zero_leaves_a_riskless_declaration_green(db, server, keys, monkeypatch, tmp_path):
    monkeypatch.setenv("CLEARWAY_RISK_MODEL", str(tmp_path / "no-model"))
    monkeypatch.setattr(random, "random", lambda: 0.0)  # the unluckiest draw the generator can give
    assert lanes.draw_source() > 0.99  # tests/conftest.py fixes the lane draw
    with keys.client(keys.create("declarant", "AU", DECLARANT)) as trader:
        mrn = trader.post("/api/v1/declarations", json=example("tariff-au-tshirts.json")).json()["mrn"]
        assert trader.post(f"/api/v1/declarations/{mrn}/assessment").status_code == 201
        lane = trader.get(f"/api/v1/declarations/{mrn}/lane").json()
    assert (lane["lane"], lane["status"]) == ("green", "lane_selected")  # duties due: released once paid


def test_a_test_of_the_random_share_still_draws_what_it_says(db, keys, monkeypatch):
    """With a share of 100% every declaration is drawn, fixed draw or not."""
    from clearway.db import transaction
    from clearway.declarations import service as declarations
    from clearway.declarations.schemas import DeclarationIn
    from clearway.risk import service as risk
    from clearway.risk.schemas import PolicyIn

    admin = keys.principal("admin", "AU")
    declarant = keys.principal("declarant", "AU", DECLARANT)
    with transaction(db.factory) as session:
        risk.set_policy(session, principal=admin, body=PolicyIn(random_share=1.0))
        row, _ = declarations.lodge(session, principal=declarant,
                                    decl=DeclarationIn(**example("tariff-au-tshirts.json")))
        declarations.transition(session, row=row, to_status="assessed", actor="test", reason="assessed (test)")
        decision = lanes.select_lane(session, row=row, actor="test")
    assert decision.random and decision.basis == "random"
