"""Each economy's essential-goods list, edited by its administrator (issue 13), against a real database
(SQLite and PostgreSQL): the change reaches lane selection and the officer queue, every change is audited.

HS 2022 subheadings checked against the WCO nomenclature shipped in reference/hs: 0805.10 "Oranges",
6307.90 "Other made up articles" (surgical masks: WCO/WHO HS classification reference for COVID-19
medical supplies, 3rd edition, in risk/data/SOURCE.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clearway.controls import service as controls
from clearway.db import transaction
from clearway.declarations.models import Declaration
from clearway.errors import Forbidden, Invalid
from clearway.flows import workbench
from clearway.flows.lanes import select_lane
from clearway.risk import decisions, essential, essential_goods, service
from clearway.risk.schemas import PolicyIn, RuleIn
from tests.cli_support import run
from tests.risk.support import DECLARANT, assessed

MASKS = [{"hs_code": "630790", "description": "Surgical masks", "origin": "CN", "quantity": "10000", "unit": "u",
          "net_weight_kg": "50", "gross_weight_kg": "60", "value": "900.00"}]


@pytest.fixture
def people(keys):
    return {"declarant": keys.principal("declarant", "AU", DECLARANT), "officer": keys.principal("officer", "AU"),
            "admin": keys.principal("admin", "AU"), "admin NZ": keys.principal("admin", "NZ")}


@pytest.fixture(autouse=True)
def no_model(monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))


def change(factory, who, code, included, economy="AU", reason="cold-chain list of 2026"):
    with transaction(factory) as session:
        return essential_goods.change(session, principal=who, economy=economy, subheading=code, included=included,
                                      reason=reason)


def lane(factory, mrn):
    with transaction(factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        return select_lane(session, row=row, actor="officer:test", draw=0.99)


def test_the_pure_core_applies_additions_and_removals_to_the_shipped_list():
    assert "630790" in essential.shipped() and "080510" not in essential.shipped()
    listed = essential.effective(essential.shipped(), {"080510": True, "630790": False})
    assert "080510" in listed and "630790" not in listed and len(listed) == len(essential.shipped())
    assert essential.is_essential(["08051000"], listed) and not essential.is_essential(["630790", "080510"],
                                                                                        frozenset({"080510"}))
    assert not essential.is_essential([], listed)
    assert not essential.is_essential(["080510", None], listed)  # a clearance request's item without a code


def test_an_added_code_makes_a_new_declaration_essential_and_a_removed_one_does_not(factory, people):
    with transaction(factory) as session:  # every orange goes red: the queue then holds them
        service.set_policy(session, principal=people["admin"], body=PolicyIn(random_share=0.0))
        service.create_rule(session, principal=people["officer"], rule=RuleIn(
            code="CITRUS", name="All citrus", action="red",
            conditions=[{"field": "hs_chapter", "op": "eq", "value": "08"}]))
    before = lane(factory, assessed(factory, people["declarant"]))
    assert before.priority == "normal"

    change(factory, people["admin"], "080510", True)
    oranges = assessed(factory, people["declarant"])
    d = lane(factory, oranges)
    assert (d.lane, d.priority) == ("red", "essential")
    assert "essential goods: priority handling" in d.reasons
    with factory() as session:
        queued = workbench.queue(session, principal=people["officer"])
    assert queued[0].case.mrn == oranges and queued[0].case.priority == "essential"
    assert [e.case.priority for e in queued if e.case.mrn != oranges] == ["normal"]

    change(factory, people["admin"], "080510", False, reason="oranges back to normal handling")
    change(factory, people["admin"], "630790", False, reason="masks no longer short")
    assert lane(factory, assessed(factory, people["declarant"])).priority == "normal"
    assert lane(factory, assessed(factory, people["declarant"], items=MASKS)).priority == "normal"
    with factory() as session:  # another economy keeps the shipped list
        assert "630790" in essential_goods.essential_set(session, economy="NZ")
        assert "630790" not in essential_goods.essential_set(session, economy="AU")


def test_only_the_economys_administrator_changes_it_and_history_shows_who_and_when(factory, people):
    for who in (people["officer"], people["declarant"], people["admin NZ"]):
        with pytest.raises(Forbidden):
            change(factory, who, "080510", True)
    with pytest.raises(Invalid) as bad:
        change(factory, people["admin"], "0805", True)
    assert bad.value.errors[0].path == "subheading"
    with pytest.raises(Invalid) as unknown:
        change(factory, people["admin"], "080520", True)  # HS 2007 mandarins: split into 0805.21-0805.29 in HS 2012
    assert "not a subheading of HS 2022" in unknown.value.errors[0].reason
    with pytest.raises(Invalid) as why:
        change(factory, people["admin"], "080510", True, reason="  ")
    assert why.value.errors[0].path == "reason"

    change(factory, people["admin"], "080510", True)
    change(factory, people["admin"], "080510", False, reason="season over")
    with factory() as session:
        events = essential_goods.history(session, economy="AU", subheading="080510")
        listed = {e.subheading: e for e in essential_goods.entries(session, economy="AU")}
    assert [(e["action"], e["actor"], e["reason"]) for e in events] == [
        ("essential_goods.add", people["admin"].actor, "cold-chain list of 2026"),
        ("essential_goods.remove", people["admin"].actor, "season over")]
    assert events[0]["at"] <= events[1]["at"] and events[1]["at"].tzinfo is not None
    assert (listed["080510"].source, listed["080510"].actor) == ("removed", people["admin"].actor)
    assert listed["630790"].source == "shipped" and listed["630790"].actor is None


def test_the_api_is_public_to_read_and_refuses_others(db, server, keys, http):
    admin = keys.client(keys.create("admin", "AU"))
    officer = keys.client(keys.create("officer", "AU"))
    nz = keys.client(keys.create("admin", "NZ"))
    url = "/api/v1/risk/essential-goods/AU/080510"
    assert officer.put(url, json={"reason": "x"}).status_code == 403
    assert nz.put(url, json={"reason": "x"}).status_code == 403
    bad = admin.put("/api/v1/risk/essential-goods/AU/12345X", json={"reason": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "subheading"
    missing = admin.put(url, json={})
    assert missing.status_code == 422 and "reason" in missing.text
    r = admin.put(url, json={"reason": "citrus for vitamin C"})
    assert r.status_code == 200, r.text
    assert (r.json()["source"], r.json()["reason"]) == ("added", "citrus for vitamin C")
    listed = {e["subheading"]: e for e in http.get("/api/v1/risk/essential-goods", params={"economy": "AU"}).json()}
    assert listed["080510"]["source"] == "added" and listed["630790"]["source"] == "shipped"
    assert http.get("/api/v1/risk/essential-goods", params={"economy": "ZZ"}).status_code == 422
    r = admin.request("DELETE", "/api/v1/risk/essential-goods/AU/630790", json={"reason": "no longer short"})
    assert r.status_code == 200 and r.json()["source"] == "removed"
    history = http.get(f"{url}/history").json()
    assert [(h["action"], h["reason"]) for h in history] == [("essential_goods.add", "citrus for vitamin C")]


def test_the_command_line_lists_adds_and_removes(db, keys):
    key = keys.create("admin", "AU")
    added = run(db, "risk", "essential", "add", "au", "080510", "--reason", "citrus for vitamin C", "--key", key)
    assert added.returncode == 0, added.stderr
    assert added.stderr.startswith("AU 080510: added by admin:AU#")
    assert run(db, "risk", "essential", "remove", "AU", "630790", "--reason", "no longer short",
               "--key", key).returncode == 0
    refused = run(db, "risk", "essential", "add", "NZ", "080510", "--reason", "x", "--key", key)
    assert refused.returncode == 2 and "administrator of NZ" in refused.stderr
    bad = run(db, "risk", "essential", "add", "AU", "0805", "--reason", "x", "--key", key)
    assert bad.returncode == 2 and "subheading" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    listed = {line.split("\t")[0]: line.split("\t") for line in run(db, "risk", "essential", "list", "AU")
              .stdout.splitlines()}
    assert listed["080510"][1:3] == ["added", listed["080510"][2]] and listed["080510"][2].startswith("admin:AU#")
    assert listed["080510"][4] == "citrus for vitamin C"
    assert listed["630790"][1] == "removed" and listed["300241"] == ["300241", "shipped"]  # vaccines


def test_a_declaration_held_before_its_lane_is_judged_by_the_stored_list(factory, people):
    mrn = assessed(factory, people["declarant"])
    with transaction(factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        controls.raise_finding(session, declaration_id=row.id, mrn=mrn, source="seals", code="seal.alert",
                               lane="red", reason="seal opened at sea", actor="test", reference="A1")

    def priority():
        with factory() as session:
            return [e.case.priority for e in workbench.queue(session, principal=people["officer"])
                    if e.case.mrn == mrn]

    assert priority() == ["normal"]
    change(factory, people["admin"], "080510", True)
    assert priority() == ["essential"]
