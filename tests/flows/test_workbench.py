"""The officer's workbench over a real database (SQLite and PostgreSQL): the queue loads the economy's
declarations that need a human, says why, and a recorded control takes them out; the case file."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from clearway.containers import service as containers
from clearway.containers import signing
from clearway.containers.schemas import SealIn
from clearway.db import transaction
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import Forbidden, NotFound
from clearway.flows import clearance, lodging, workbench
from clearway.risk import decisions, service as risk
from clearway.risk.schemas import InspectionIn, RuleIn
from tests.support import example

AU, NZ = "AU-ABN-11222333444", "NZ-IRD-123456789"


@pytest.fixture(autouse=True)
def no_model(monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))


@pytest.fixture
def people(keys):
    return {"trader": keys.principal("declarant", "AU", AU), "officer": keys.principal("officer", "AU"),
            "trader NZ": keys.principal("declarant", "NZ", NZ), "officer NZ": keys.principal("officer", "NZ"),
            "nppo": keys.principal("nppo", "AU", "NPPO-AU")}


def tshirts(lrn: str, economy: str = "AU", declarant: str = AU) -> DeclarationIn:
    doc = copy.deepcopy(example("tariff-au-tshirts.json"))
    doc.update(lrn=lrn, economy=economy, office={"AU": "AUSYD", "NZ": "NZAKL"}[economy])
    doc["declarant"] = {**doc["declarant"], "id": declarant, "country": economy}
    if economy == "NZ":
        doc["currency"], doc["importer"] = "NZD", {**doc["importer"], "country": "NZ"}
    return DeclarationIn(**doc)


def oranges(lrn: str) -> DeclarationIn:
    return DeclarationIn(**(copy.deepcopy(example("declaration-au-oranges.json")) | {"lrn": lrn}))


def lodge_and_assess(factory, principal, decl: DeclarationIn) -> str:
    with transaction(factory) as session:
        row, _ = lodging.lodge(session, principal=principal, decl=decl)
        mrn = row.mrn
    with transaction(factory) as session:
        clearance.assess(session, principal=principal, mrn=mrn)
    return mrn


def red_textiles_rule(factory, officer) -> None:
    with transaction(factory) as session:
        risk.create_rule(session, principal=officer, rule=RuleIn(
            code="TEX-RED", name="Knitted apparel", action="red",
            conditions=[{"field": "hs_chapter", "op": "eq", "value": "61"}]))


def test_the_queue_holds_the_economys_controlled_and_held_declarations_with_their_reasons(factory, people):
    red_textiles_rule(factory, people["officer"])
    red = lodge_and_assess(factory, people["trader"], tshirts("WB-RED"))
    held = lodge_and_assess(factory, people["trader"], oranges("WB-HELD"))  # cites an ePhyto AU never received
    lodge_and_assess(factory, people["trader NZ"], tshirts("WB-NZ", "NZ", NZ))
    with factory() as session:
        q = workbench.queue(session, principal=people["officer"])
        nz = workbench.queue(session, principal=people["officer NZ"])
    assert [e.case.mrn for e in q] == [red, held]
    assert (q[0].lane, q[0].awaiting, q[0].case.basis) == ("red", "control", "rule")
    assert [w.text for w in q[0].why] == ["targeting rule TEX-RED v1 (Knitted apparel) forces the red lane"]
    assert q[1].lane == "yellow" and q[1].why[0].kind == "certificate"
    assert q[1].why[0].text.startswith("certificate missing (yellow lane required): ePhyto CN-2026-PHY-000042 "
                                       "has not been received by AU")
    assert red not in {e.case.mrn for e in nz} and held not in {e.case.mrn for e in nz}


def test_a_trader_or_nppo_has_no_queue_and_another_economys_case_is_not_found(factory, people):
    red_textiles_rule(factory, people["officer"])
    mrn = lodge_and_assess(factory, people["trader"], tshirts("WB-ACCESS"))
    with factory() as session:
        for who in ("trader", "nppo"):
            with pytest.raises(Forbidden):
                workbench.queue(session, principal=people[who])
        with pytest.raises(NotFound):
            workbench.case_file(session, principal=people["officer NZ"], mrn=mrn)


def test_a_recorded_control_with_extra_duty_leaves_the_queue_and_becomes_a_training_row(factory, people):
    red_textiles_rule(factory, people["officer"])
    mrn = lodge_and_assess(factory, people["trader"], tshirts("WB-CONTROL"))
    with factory() as session:
        before = workbench.case_file(session, principal=people["officer"], mrn=mrn)
    assert before["may_inspect"] and before["inspection"] is None and before["lane"].lane == "red"
    assert [h.to_status for h in before["history"]][-2:] == ["lane_selected", "under_control"]
    due = before["assessment"]["total_due"]
    with transaction(factory) as session:
        clearance.inspect(session, principal=people["officer"], mrn=mrn, body=InspectionIn(
            outcome="irregular", findings=["undervalued: invoice shows 20% more"], extra_duty=Decimal("45.50")))
    with factory() as session:
        assert mrn not in {e.case.mrn for e in workbench.queue(session, principal=people["officer"])}
        after = workbench.case_file(session, principal=people["officer"], mrn=mrn)
        rows = decisions.training_rows(session, economy="AU")
    assert not after["may_inspect"] and str(after["inspection"]["extra_duty"]) == "45.50"
    assert after["row"].status == "under_control"  # until the extra duty is paid
    assert after["assessment"]["total_due"] > due
    mine = rows.filter(rows["declaration_id"] == mrn)
    assert mine.height >= 1 and mine["fraud"].to_list() == [1] * mine.height
    assert sum(mine["revenue"].to_list()) == pytest.approx(45.50)


def test_the_case_file_shows_the_cited_certificate_and_its_match(factory, people):
    mrn = lodge_and_assess(factory, people["trader"], oranges("WB-CERT"))
    with factory() as session:
        f = workbench.case_file(session, principal=people["officer"], mrn=mrn)
    assert [c["reference"] for c in f["certificates"]] == ["CN-2026-PHY-000042"]
    assert f["certificates"][0]["view"] is None  # not received
    assert not f["certificate_check"].cleared
    assert [x.source for x in f["findings"]] == ["certificates"]
    assert f["documents"] == [{"type": "ephyto", "reference": "CN-2026-PHY-000042"}]


def test_the_capacity_used_today_per_office(factory, people):
    red_textiles_rule(factory, people["officer"])
    mrn = lodge_and_assess(factory, people["trader"], tshirts("WB-CAP-1"))
    lodge_and_assess(factory, people["trader"], oranges("WB-CAP-2"))
    lodge_and_assess(factory, people["trader NZ"], tshirts("WB-CAP-NZ", "NZ", NZ))
    with factory() as session:
        day = workbench.case_file(session, principal=people["officer"], mrn=mrn)["lane"].decided_at.date().isoformat()
        au = decisions.usage_by_office(session, economy="AU", day=day)
    assert {office: (u.total, u.red, u.yellow) for office, u in au.items()} == {"AUSYD": (2, 1, 1)}


def test_the_case_file_draws_the_track_of_each_seal_on_the_declarations_containers(factory, people):
    seal = SealIn(manufacturer="ACME", serial="AU01", container="MSCU1234566", loading_office="AUMEL",
                  destination_office="AUSYD", departure="2026-11-28T00:00:00Z", arrival_from="2026-11-28T12:00:00Z",
                  arrival_to="2026-11-28T20:00:00Z", device_key=signing.simulated_key("ACME-AU01").hex())
    with transaction(factory) as session:
        affixed = containers.affix(session, principal=people["officer"], seal=seal).seal_id
    mrn = lodge_and_assess(factory, people["trader"], oranges("WB-SEAL"))  # carries MSCU1234566
    with factory() as session:
        tracks = workbench.case_file(session, principal=people["officer"], mrn=mrn)["seals"]
    assert [(t["seal"]["seal_id"], t["seal"]["container"], t["events"], t["alerts"]) for t in tracks] == [
        (affixed, "MSCU1234566", 0, [])]
    assert [o["name"] for o in tracks[0]["drawing"].offices] == ["AUMEL", "AUSYD"]
