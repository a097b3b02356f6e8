"""The administration can give APEC's environmental goods the facilitation essential goods get (priority
handling within capacity) by a switch of its lane policy: off by default, on for consignments whose every
goods item is listed, said so in the lane's reasons and the officer queue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clearway.db import transaction
from clearway.declarations.models import Declaration
from clearway.flows import workbench
from clearway.flows.lanes import select_lane
from clearway.risk import decisions, service
from clearway.risk.schemas import PolicyIn, RuleIn
from tests.risk.support import DECLARANT, assessed

PV = {"hs_code": "854143", "description": "Photovoltaic modules, 400 W", "origin": "CN", "quantity": "200",
      "unit": "u", "net_weight_kg": "4400", "gross_weight_kg": "4800", "value": "24000.00"}
ORANGES = {"hs_code": "080510", "description": "Fresh oranges", "origin": "CN", "quantity": "1000", "unit": "kg",
           "net_weight_kg": "1000", "gross_weight_kg": "1050", "value": "850.00"}


@pytest.fixture(autouse=True)
def no_model(monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))


def lane(factory, mrn):
    with transaction(factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        return select_lane(session, row=row, actor="officer:test", draw=0.99)


def test_the_policy_switch_gives_environmental_goods_priority_handling(factory, keys):
    declarant = keys.principal("declarant", "AU", DECLARANT)
    officer, admin = keys.principal("officer", "AU"), keys.principal("admin", "AU")
    with transaction(factory) as session:  # every chapter 85 and 08 consignment goes red: the queue holds them
        service.set_policy(session, principal=admin, body=PolicyIn(random_share=0.0))
        for chapter in ("85", "08"):
            service.create_rule(session, principal=officer, rule=RuleIn(
                code=f"CH{chapter}", name=f"Chapter {chapter}", action="red",
                conditions=[{"field": "hs_chapter", "op": "eq", "value": chapter}]))
    off = lane(factory, assessed(factory, declarant, items=[PV]))
    assert (off.lane, off.priority) == ("red", "normal")

    with transaction(factory) as session:
        service.set_policy(session, principal=admin, body=PolicyIn(random_share=0.0, environmental_goods_priority=True))
    pv = assessed(factory, declarant, items=[PV])
    on = lane(factory, pv)
    assert (on.lane, on.priority) == ("red", "essential")
    assert "environmental goods (lane policy): priority handling" in on.reasons
    mixed = lane(factory, assessed(factory, declarant, items=[PV, ORANGES]))
    assert mixed.priority == "normal"  # one listed item does not make the consignment a priority

    with factory() as session:
        queued = workbench.queue(session, principal=officer)
    assert queued[0].case.mrn == pv and queued[0].case.priority == "essential"
