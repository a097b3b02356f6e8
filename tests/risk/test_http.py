"""The inspection feedback loop end to end over real HTTP: lodge, rule, lane, inspection, rule
statistics, training data."""

from __future__ import annotations

from clearway.risk import decisions
from tests.risk.support import DECLARANT, declaration


def test_feedback_loop_over_http(db, server, keys, monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "none"))
    declarant = keys.client(keys.create("declarant", "AU", DECLARANT))
    officer = keys.client(keys.create("officer", "AU"))
    admin = keys.client(keys.create("admin", "AU"))

    r = admin.put("/api/v1/risk/policy", json={"red_share": 0.02, "yellow_share": 0.05, "random_share": 0.0})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and officer.get("/api/v1/risk/policy").json()["red_share"] == 0.02
    assert officer.put("/api/v1/risk/policy", json={}).status_code == 403

    rule = {"code": "citrus-undervalued", "name": "Citrus under 1.50 per kg", "action": "red",
            "conditions": [{"field": "hs_chapter", "op": "eq", "value": "08"},
                           {"field": "value_per_kg", "op": "lt", "value": "1.50"}]}
    r = officer.post("/api/v1/risk/rules", json=rule)
    assert r.status_code == 201, r.text
    assert (r.json()["code"], r.json()["version"], r.json()["owner"]) == ("CITRUS-UNDERVALUED", 1, r.json()["actor"])
    assert officer.post("/api/v1/risk/rules", json=rule).status_code == 409
    assert declarant.post("/api/v1/risk/rules", json=rule).status_code == 403
    bad = officer.post("/api/v1/risk/rules", json={**rule, "code": "X", "conditions": [
        {"field": "value_per_kg", "op": "between", "value": [5, 1]}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "conditions[0].value"

    # two consignments of oranges: 0.85 per kg (hit) and 2.00 per kg (no hit)
    cheap = declarant.post("/api/v1/declarations", json=declaration()).json()["mrn"]
    dear = declarant.post("/api/v1/declarations", json=declaration(items=[
        {"hs_code": "080510", "description": "Fresh oranges", "origin": "CN", "quantity": "1000", "unit": "kg",
         "net_weight_kg": "1000", "value": "2000.00"}])).json()["mrn"]
    r = officer.post(f"/api/v1/declarations/{cheap}/lane")
    assert r.status_code == 409  # still accepted: assessment comes first
    for mrn in (cheap, dear):  # the clearance flow assesses, then selects the lane
        assert declarant.post(f"/api/v1/declarations/{mrn}/assessment").status_code == 201
    assert officer.post(f"/api/v1/declarations/{cheap}/lane").status_code == 409  # chosen once
    r = officer.get(f"/api/v1/declarations/{cheap}/lane")
    assert r.status_code == 200, r.text
    lane = r.json()
    assert (lane["lane"], lane["basis"], lane["status"]) == ("red", "rule", "under_control")
    assert lane["rule_hits"] == [{"code": "CITRUS-UNDERVALUED", "version": 1, "action": "red"}]
    assert lane["policy_version"] == 1
    dear_lane = officer.get(f"/api/v1/declarations/{dear}/lane").json()
    # no rule hit: the lane is what open control findings force (lodging checks the ePhyto), else green
    assert dear_lane["rule_hits"] == [] and dear_lane["lane"] == dear_lane["mandatory"]
    assert dear_lane["basis"] == ("none" if dear_lane["lane"] == "green" else "mandatory")

    seen = declarant.get(f"/api/v1/declarations/{cheap}/lane").json()
    assert seen["lane"] == "red" and seen["reasons"] == [] and seen["rule_hits"] == []  # criteria not disclosed

    # the officer edits the rule: a new version, the old one kept
    r = officer.put("/api/v1/risk/rules/CITRUS-UNDERVALUED", json={"name": "Citrus under 1.20 per kg",
                                                                  "conditions": [
                                                                      {"field": "hs_chapter", "op": "eq", "value": "08"},
                                                                      {"field": "value_per_kg", "op": "lt",
                                                                       "value": "1.20"}]})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert [v["version"] for v in officer.get("/api/v1/risk/rules/CITRUS-UNDERVALUED/versions").json()] == [1, 2]

    bad = officer.post(f"/api/v1/declarations/{cheap}/inspection", json={"outcome": "irregular"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "findings"
    assert declarant.post(f"/api/v1/declarations/{cheap}/inspection", json={"outcome": "compliant"}).status_code == 403
    r = officer.post(f"/api/v1/declarations/{cheap}/inspection", json={
        "outcome": "irregular", "findings": ["invoice shows 1,700.00, declared 850.00"],
        "revised_value": "1700.00", "extra_duty": "42.50"})
    assert r.status_code == 201, r.text
    # the extra duty (in the declaration currency, USD) becomes a supplementary assessment in AUD at the
    # assessment's customs rate (42.50 x 1.53 = 65.025 -> 65.03): the goods wait until it is paid
    assert (r.json()["status"], r.json()["extra_duty"], r.json()["currency"], r.json()["severity"]) == \
        ("under_control", "42.50", "USD", 1)
    assessment = declarant.get(f"/api/v1/declarations/{cheap}/assessment").json()
    assert (assessment["total_due"], assessment["outstanding"], assessment["currency"]) == ("65.03", "65.03", "AUD")
    ref = declarant.post(f"/api/v1/declarations/{cheap}/payment-reference").json()["reference"]
    paid = declarant.post(f"/api/v1/declarations/{cheap}/payments", json={
        "amount": "65.03", "currency": "AUD", "method": "bank_transfer", "reference": ref})
    assert paid.status_code == 201 and paid.json()["status"] == "released", paid.text
    assert declarant.get(f"/api/v1/declarations/{cheap}").json()["status"] == "released"
    again = officer.post(f"/api/v1/declarations/{cheap}/inspection", json={"outcome": "compliant"})
    assert again.status_code == 409

    stats = officer.get("/api/v1/risk/rules/CITRUS-UNDERVALUED").json()["stats"]
    assert stats == {"hits": 1, "decisions": 2, "hit_rate": 0.5, "inspected": 1, "confirmed": 1,
                     "confirmed_share": 1.0}

    r = officer.post("/api/v1/risk/rules/CITRUS-UNDERVALUED/retire", json={"reason": "season over"})
    assert r.json()["status"] == "retired" and r.json()["version"] == 3
    assert officer.get("/api/v1/risk/rules").json() == []
    assert len(officer.get("/api/v1/risk/rules", params={"include_retired": True}).json()) == 1

    with db.factory() as session:
        rows = decisions.training_rows(session, economy="AU")
    assert rows.height == 1 and rows["fraud"].to_list() == [1] and rows["revenue"].to_list() == [42.5]
    for c in (declarant, officer, admin):
        c.close()
