"""What a declarant reads of selectivity: the lane, never the targeting rule, the score or the reasons
(issue 9: "Declarants learn the targeting criteria from the status history"). Every route a declarant
can read about its declaration is checked, over real HTTP on both backends."""

from __future__ import annotations

import copy
import json

from sqlalchemy import select

from clearway.db import transaction, utcnow
from clearway.declarations.models import Declaration, StatusEvent
from clearway.risk import decisions
from tests.support import example

DECLARANT = "AU-ABN-11222333444"
SECRETS = ("SEC-Y-6169B", "SEC-S-0042", "targeting", "score", "rule", "rank", "random")


def tshirts(lrn: str, origin: str = "BD") -> dict:
    doc = copy.deepcopy(example("tariff-au-tshirts.json"))
    doc["lrn"] = lrn
    doc["items"][0]["origin"] = origin
    return doc


def _texts(data) -> list[str]:
    if isinstance(data, dict):
        return [t for v in data.values() for t in _texts(v)]
    if isinstance(data, list):
        return [t for v in data for t in _texts(v)]
    return [str(data)] if data is not None else []


def leaks(body: str) -> list[str]:
    """The words of targeting in the values of a JSON answer (field names aside)."""
    text = " ".join(_texts(json.loads(body))).lower()
    return [word for word in SECRETS if word.lower() in text]


def test_a_declarant_reads_the_lane_and_nothing_of_the_targeting_criteria(db, server, keys, tmp_path, monkeypatch):
    monkeypatch.setenv("CLEARWAY_RISK_MODEL", str(tmp_path / "no-model"))
    officer = keys.client(keys.create("officer", "AU"))
    admin = keys.client(keys.create("admin", "AU"))
    trader = keys.client(keys.create("declarant", "AU", DECLARANT))
    assert admin.put("/api/v1/risk/policy", json={"random_share": 0.0}).status_code == 200
    for rule in ({"code": "SEC-Y-6169B", "name": "Knitwear from BD", "action": "yellow",
                  "conditions": [{"field": "origin", "op": "eq", "value": "BD"}]},
                 {"code": "SEC-S-0042", "name": "Knitwear", "action": "score", "score": 0.3,
                  "conditions": [{"field": "hs_chapter", "op": "eq", "value": "61"}]}):
        assert officer.post("/api/v1/risk/rules", json=rule).status_code == 201

    lodged = trader.post("/api/v1/declarations", json=tshirts("DISC-1"))
    assert lodged.status_code == 201, lodged.text
    held = lodged.json()["mrn"]
    kept = trader.post("/api/v1/declarations", json=tshirts("DISC-2", origin="VN")).json()["mrn"]
    for mrn in (held, kept):
        assert trader.post(f"/api/v1/declarations/{mrn}/assessment").status_code == 201

    # the officer sees why: rule, score and reasons
    lane = officer.get(f"/api/v1/declarations/{held}/lane").json()
    assert (lane["lane"], lane["basis"]) == ("yellow", "rule")
    assert sorted(h["code"] for h in lane["rule_hits"]) == ["SEC-S-0042", "SEC-Y-6169B"]
    green = officer.get(f"/api/v1/declarations/{kept}/lane").json()
    assert green["lane"] == "green" and green["status"] == "lane_selected"  # duties due: not released yet

    # the declarant sees the lane, and nothing of why, on every route it reads
    amended = trader.post(f"/api/v1/declarations/{kept}/amendments",
                          json={"reason": "freight corrected", "changes": {"freight": "120.00"}})
    assert amended.status_code == 201, amended.text
    seen = {
        "lane": trader.get(f"/api/v1/declarations/{held}/lane"),
        "read": trader.get(f"/api/v1/declarations/{held}"),
        "list": trader.get("/api/v1/declarations"),
        "versions": trader.get(f"/api/v1/declarations/{held}/versions"),
        "assessment": trader.get(f"/api/v1/declarations/{held}/assessment"),
        "amendment": amended,
    }
    for route, response in seen.items():
        assert response.status_code in (200, 201), (route, response.text)
        assert leaks(response.text) == [], f"{route} discloses {leaks(response.text)}: {response.text}"
    assert seen["lane"].json()["lane"] == "yellow" and seen["lane"].json()["status"] == "under_control"
    history = [(h["to_status"], h["reason"]) for h in seen["read"].json()["history"]]
    assert ("lane_selected", "yellow lane selected") in history
    assert ("lane_selected", "green lane selected") in [(h["to_status"], h["reason"])
                                                        for h in amended.json()["history"]]
    # and the officer's reason for the green lane names the rule whose points moved the rank
    # (it said "risk score 0.00 within the release range")
    assert green["reasons"][0] == "rank 0.30 within the release range"
    assert any("SEC-S-0042" in r for r in green["reasons"])
    # the same rule without HTTP: risk.decisions.lane_view renders a decision as the key may read it
    as_trader, as_officer = keys.principal("declarant", "AU", DECLARANT), keys.principal("officer", "AU")
    with db.factory() as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == held)).one()
        decision = decisions.latest_decision(session, declaration_id=row.id)
        full = decisions.lane_view(session, principal=as_officer, row=decision, status=row.status)
        told = decisions.lane_view(session, principal=as_trader, row=decision, status=row.status)
    assert full.model_dump(mode="json") == lane
    assert told.model_dump(mode="json") == seen["lane"].json()
    assert (told.lane, told.basis, told.rule_hits, told.reasons) == ("yellow", "", [], [])
    for client in (officer, admin, trader):
        client.close()


def test_a_lane_reason_recorded_before_the_fix_is_read_by_the_declarant_as_the_lane_alone(db, server, keys):
    trader = keys.client(keys.create("declarant", "AU", DECLARANT))
    officer = keys.client(keys.create("officer", "AU"))
    mrn = trader.post("/api/v1/declarations", json=tshirts("DISC-OLD")).json()["mrn"]
    old = "yellow (rule): targeting rule SEC-Y-6169B v1 (Knitwear from BD) forces at least yellow"
    with transaction(db.factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        session.add(StatusEvent(declaration_id=row.id, from_status="assessed", to_status="lane_selected",
                                at=utcnow(), actor="system", reason=old))
    mine = trader.get(f"/api/v1/declarations/{mrn}").json()["history"]
    assert mine[-1]["reason"] == "yellow lane selected" and leaks(json.dumps(mine)) == []
    assert officer.get(f"/api/v1/declarations/{mrn}").json()["history"][-1]["reason"] == old
    trader.close()
    officer.close()


def test_lodging_and_amendment_answers_carry_the_findings_they_raised(db, server, keys):
    """The oranges cite an ePhyto the node never received: lodging raises a certificates finding."""
    trader = keys.client(keys.create("declarant", "AU", DECLARANT))
    doc = copy.deepcopy(example("declaration-au-oranges.json"))
    lodged = trader.post("/api/v1/declarations", json=doc)
    assert lodged.status_code == 201, lodged.text
    found = lodged.json()["findings"]
    assert [f["source"] for f in found] == ["certificates"] and "CN-2026-PHY-000042" in json.dumps(found)
    assert trader.get(f"/api/v1/declarations/{lodged.json()['mrn']}").json()["findings"] == found
    again = trader.post("/api/v1/declarations", json=doc)  # the same lodgement repeated: same answer
    assert again.status_code == 200 and again.json()["findings"] == found
    amended = trader.post(f"/api/v1/declarations/{lodged.json()['mrn']}/amendments",
                          json={"reason": "insurance added", "changes": {"insurance": "12.00"}})
    assert amended.status_code == 201, amended.text
    assert [f["source"] for f in amended.json()["findings"]] == ["certificates"]
    trader.close()
