"""Lane selection and inspections against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import select

from clearway.audit.models import AuditEvent
from clearway.controls import service as controls
from clearway.db import transaction
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, Invalid
from clearway.flows.lanes import record_inspection, select_lane
from clearway.risk import decisions, service
from clearway.risk.history import read_history
from clearway.risk.model import FraudModel
from clearway.risk.models import Inspection, LaneDecisionRow
from clearway.risk.schemas import InspectionIn, PolicyIn, RuleIn
from tests.risk.support import DECLARANT, TRAIN, assessed

MASKS = [{"hs_code": "630790", "description": "Surgical masks", "origin": "CN", "quantity": "10000", "unit": "u",
          "net_weight_kg": "50", "gross_weight_kg": "60", "value": "900.00"}]


@pytest.fixture
def people(keys):
    return {"declarant": keys.principal("declarant", "AU", DECLARANT), "officer": keys.principal("officer", "AU"),
            "admin": keys.principal("admin", "AU")}


@pytest.fixture(autouse=True)
def no_model(monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))


def lane(factory, mrn, **kw):
    with transaction(factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        d = select_lane(session, row=row, actor="officer:test", **kw)
        return d, row.status, [h.to_status for h in row.history]


def set_policy(factory, admin, **kw):
    with transaction(factory) as session:
        service.set_policy(session, principal=admin, body=PolicyIn(**kw))


def test_no_findings_no_rules_no_model_goes_green(factory, people):
    mrn = assessed(factory, people["declarant"])
    d, status, history = lane(factory, mrn, draw=0.99)
    assert (d.lane, d.basis, status) == ("green", "none", "lane_selected")
    assert history == ["accepted", "assessed", "lane_selected"]
    assert "no fraud model deployed: rules and random selection only" in d.reasons
    with factory() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == mrn)).all()
    assert "risk.lane_selected" in actions and "declaration.lane_selected" in actions


def test_an_open_seal_finding_forces_red_and_under_control(factory, people):
    mrn = assessed(factory, people["declarant"])
    with transaction(factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        controls.raise_finding(session, declaration_id=row.id, mrn=mrn, source="seals", code="seal.alert", lane="red",
                               reason="seal MSCU1234566 opened at sea", actor="test", reference="A1")
    d, status, history = lane(factory, mrn, draw=0.99)
    assert (d.lane, d.basis, d.mandatory, status) == ("red", "mandatory", "red", "under_control")
    assert d.reasons[0] == "seals finding seal.alert: seal MSCU1234566 opened at sea"
    assert history[-2:] == ["lane_selected", "under_control"]


def test_a_lane_is_chosen_only_for_assessed_declarations(factory, people):
    mrn = assessed(factory, people["declarant"])
    lane(factory, mrn, draw=0.99)
    with pytest.raises(Conflict):
        lane(factory, mrn, draw=0.99)


def test_rules_force_lanes_and_count_their_hits(factory, people):
    with transaction(factory) as session:
        service.create_rule(session, principal=people["officer"], rule=RuleIn(
            code="CITRUS-CN", name="citrus from CN", action="yellow", owner="Plant health desk",
            conditions=[{"field": "hs_code", "op": "prefix", "value": "0805"},
                        {"field": "origin", "op": "eq", "value": "CN"}]))
        service.create_rule(session, principal=people["officer"], rule=RuleIn(
            code="NEW-IMPORTER", name="first-time importers", action="score", score=0.2,
            conditions=[{"field": "first_time_importer", "op": "is", "value": True}]))
    first = assessed(factory, people["declarant"])
    d, status, _ = lane(factory, first, draw=0.99)
    assert (d.lane, d.basis, status) == ("yellow", "rule", "under_control")
    assert d.reasons[0] == "targeting rule CITRUS-CN v1 (citrus from CN) forces at least yellow"
    second = assessed(factory, people["declarant"], items=MASKS)
    d2, _, _ = lane(factory, second, draw=0.99)
    assert d2.lane == "green"  # masks: no citrus rule; the importer is no longer new
    with factory() as session:
        stats = service.stats(session, economy="AU", codes=["CITRUS-CN", "NEW-IMPORTER"])
    assert stats["CITRUS-CN"] == {"hits": 1, "decisions": 2, "hit_rate": 0.5, "inspected": 0, "confirmed": 0,
                                  "confirmed_share": None}
    assert stats["NEW-IMPORTER"]["hits"] == 1


def test_essential_goods_are_not_drawn_at_random_and_trusted_traders_less(factory, people):
    set_policy(factory, people["admin"], random_share=0.5, trusted_traders=["AU-ABN-99"])
    masks = assessed(factory, people["declarant"], items=MASKS)
    d, _, _ = lane(factory, masks, draw=0.0)
    assert (d.lane, d.priority) == ("green", "essential")
    plain = assessed(factory, people["declarant"])
    d, status, _ = lane(factory, plain, draw=0.3)
    assert d.random and d.lane == "red" and status == "under_control" and d.policy_version == 1
    trusted = assessed(factory, people["declarant"], importer={"id": "AU-ABN-99", "name": "AEO Pty", "country": "AU"})
    d, _, _ = lane(factory, trusted, draw=0.3)  # 0.3 >= 0.5 x 0.5
    assert d.lane == "green" and not d.random


def test_with_a_model_the_score_and_its_reasons_are_stored(factory, people, model_dir, monkeypatch):
    monkeypatch.setenv(decisions.MODEL_ENV, str(model_dir))
    set_policy(factory, people["admin"], red_threshold=0.0, min_score=0.0, random_share=0.0)
    mrn = assessed(factory, people["declarant"])
    d, status, _ = lane(factory, mrn)
    assert 0 < d.probability < 1 and d.model_version
    assert (d.lane, d.basis, status) == ("red", "score", "under_control")
    assert d.model_reasons and all(r["text"] for r in d.model_reasons)
    assert any(r.startswith("rank ") and "red threshold 0.00" in r for r in d.reasons)
    # the day's red capacity at the office is now used: the next one, same score, goes yellow
    d2, _, _ = lane(factory, assessed(factory, people["declarant"]))
    assert d2.lane in ("yellow", "green") and d2.probability == pytest.approx(d.probability)


def inspect(factory, officer, mrn, **body):
    with transaction(factory) as session:
        return record_inspection(session, principal=officer, mrn=mrn, body=InspectionIn(**body))


def controlled(factory, people):
    set_policy(factory, people["admin"], random_share=1.0)  # every non-essential declaration drawn
    mrn = assessed(factory, people["declarant"])
    lane(factory, mrn, draw=0.0)
    return mrn


def status_of(factory, mrn):
    with factory() as session:
        return session.scalars(select(Declaration.status).where(Declaration.mrn == mrn)).one()


def test_inspection_is_recorded_rejects_or_waits_and_becomes_training_data(factory, people):
    ok = controlled(factory, people)
    found = controlled(factory, people)
    bad = controlled(factory, people)
    inspect(factory, people["officer"], ok, outcome="compliant")
    i = inspect(factory, people["officer"], found, outcome="irregular", findings=["undervalued by half"],
                revised_value=Decimal("1700.00"), extra_duty=Decimal("85.50"))
    assert i.severity == 1 and i.random and i.lane == "red" and i.extra_duty == Decimal("85.50")
    inspect(factory, people["officer"], bad, outcome="irregular", severity=2, findings=["prohibited goods"],
            decision="reject")
    # recording a control never releases: the clearance flow does, once what is due is paid or secured
    # (tests/tariff/test_control_release.py)
    assert [status_of(factory, m) for m in (ok, found, bad)] == ["under_control", "under_control", "rejected"]
    with factory() as session:
        rows = decisions.training_rows(session, economy="AU")
    assert rows.height == 3
    by = {r["declaration_id"]: r for r in rows.to_dicts()}
    assert (by[ok]["fraud"], by[found]["fraud"], by[bad]["fraud"]) == (0, 1, 1)
    assert by[found]["revenue"] == pytest.approx(85.5) and by[bad]["severity"] == 2
    assert by[found]["hs_code"] == "080510" and by[found]["origin_country"] == "CN"


def test_inspection_closes_open_findings_on_release(factory, people):
    mrn = assessed(factory, people["declarant"])
    with transaction(factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        controls.raise_finding(session, declaration_id=row.id, mrn=mrn, source="certificates", code="ephyto.missing",
                               lane="yellow", reason="no ePhyto", actor="test")
    lane(factory, mrn, draw=0.99)
    inspect(factory, people["officer"], mrn, outcome="compliant")
    with factory() as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        assert controls.open_findings(session, declaration_id=row.id) == []


@pytest.mark.parametrize("body,path", [
    ({"outcome": "compliant", "extra_duty": "10.00"}, "extra_duty"),
    ({"outcome": "compliant", "severity": 1}, "severity"),
    ({"outcome": "irregular", "findings": []}, "findings"),
    ({"outcome": "irregular", "findings": ["x"], "extra_duty": "1.005"}, "extra_duty"),
    ({"outcome": "irregular", "findings": ["x"], "revised_hs_code": "999999"}, "revised_hs_code"),
])
def test_bad_inspections_are_refused_and_nothing_is_stored(factory, people, body, path):
    mrn = controlled(factory, people)
    with pytest.raises(Invalid) as exc:
        inspect(factory, people["officer"], mrn, **body)
    assert path in [e.path for e in exc.value.errors]
    assert status_of(factory, mrn) == "under_control"
    with factory() as session:
        assert session.scalars(select(Inspection)).all() == []


def test_only_declarations_under_control_are_inspected(factory, people):
    mrn = assessed(factory, people["declarant"])
    with pytest.raises(Conflict):
        inspect(factory, people["officer"], mrn, outcome="compliant")


def test_exported_inspections_train_with_a_history(factory, people, tmp_path, train_history):
    for _ in range(3):
        m = controlled(factory, people)
        inspect(factory, people["officer"], m, outcome="irregular", findings=["x"], extra_duty=Decimal("5.00"))
    with factory() as session:
        rows = decisions.training_rows(session)
    path = tmp_path / "clearway.csv"
    rows.write_csv(path)
    again = read_history([path])
    assert again.height == 3 and again["fraud"].sum() == 3
    both = pl.concat([train_history, again]).sort("date")
    model = FraudModel(max_rounds=30).fit(both, valid=None)
    assert model.encoders.rates["importer"][DECLARANT][1] == 3  # the inspections are in the training window
    with factory() as session:
        assert session.scalars(select(LaneDecisionRow)).all()


def test_cli_export_history_writes_the_inspections(db, factory, people, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from clearway import cli_common
    from clearway.cli import app

    m = controlled(factory, people)
    inspect(factory, people["officer"], m, outcome="irregular", findings=["x"], extra_duty=Decimal("7.25"))
    monkeypatch.setenv("CLEARWAY_DATABASE_URL", db.url)
    monkeypatch.setattr(cli_common, "_factory", None)
    out = tmp_path / "inspections.csv"
    r = CliRunner().invoke(app, ["risk", "export-history", "--out", str(out), "--economy", "au"])
    assert r.exit_code == 0, r.output
    rows = read_history([out])
    assert rows["declaration_id"].to_list() == [m] and rows["revenue"].to_list() == [7.25]


def test_cli_train_adds_the_recorded_inspections(db, factory, people, tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from clearway import cli_common
    from clearway.cli import app

    for _ in range(2):
        inspect(factory, people["officer"], controlled(factory, people), outcome="compliant")
    monkeypatch.setenv("CLEARWAY_DATABASE_URL", db.url)
    monkeypatch.setattr(cli_common, "_factory", None)
    r = CliRunner().invoke(app, ["risk", "train", "--history", str(TRAIN), "--inspections", "--out",
                                 str(tmp_path / "m"), "--rounds", "10"])
    assert r.exit_code == 0, r.output
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert meta["training_window"]["rows"] == 2402 and meta["training_window"]["to"] >= "2026-01-01"
    r = CliRunner().invoke(app, ["risk", "train", "--out", str(tmp_path / "n")])
    assert r.exit_code == 2 and "--inspections" in r.output


@pytest.mark.parametrize("body,path", [
    ({"ranking": "revenue"}, "red_threshold"),
    ({"ranking": "revenue", "red_threshold": 500}, "yellow_threshold"),
    ({"red_threshold": 0.5, "yellow_threshold": 0.9}, "yellow_threshold"),
    ({"red_share": 0.6, "yellow_share": 0.6}, "yellow_share"),
])
def test_bad_policies_are_refused_naming_the_field(factory, people, body, path):
    with pytest.raises(Invalid) as exc:
        set_policy(factory, people["admin"], **body)
    assert exc.value.errors[0].path == path
    with factory() as session:
        assert service.policy(session, economy="AU")[1] is None  # nothing stored


def test_a_control_is_recorded_once_while_the_declaration_waits(factory, people):
    mrn = controlled(factory, people)
    inspect(factory, people["officer"], mrn, outcome="compliant")
    assert status_of(factory, mrn) == "under_control"  # e.g. waiting for payment; the inspection is stored
    with factory() as session:
        assert len(session.scalars(select(Inspection)).all()) == 1
    with pytest.raises(Conflict):  # recorded once, even while the declaration waits
        inspect(factory, people["officer"], mrn, outcome="compliant")


def test_random_selections_do_not_use_the_days_capacity(factory, people):
    set_policy(factory, people["admin"], random_share=0.5)
    for draw in (0.1, 0.9, 0.2):  # random, green, random
        lane(factory, assessed(factory, people["declarant"]), draw=draw)
    with transaction(factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.status == "under_control")).first()
        used = decisions.usage(session, office=row.office, day=row.updated_at.date().isoformat())
    assert (used.total, used.red, used.yellow) == (3, 0, 0)


def test_decide_lane_stores_without_moving_the_declaration(factory, people):
    from clearway.flows.lanes import decide_lane

    mrn = assessed(factory, people["declarant"])
    with transaction(factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        d = decide_lane(session, row=row, actor="officer:test", draw=0.99)
        assert row.status == "assessed" and d.lane == "green" and d.id
    assert status_of(factory, mrn) == "assessed"


def test_a_broken_model_deployment_does_not_stop_selectivity(factory, people, tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "metadata.json").write_text("{}")  # no model.txt
    monkeypatch.setenv(decisions.MODEL_ENV, str(broken))
    d, status, _ = lane(factory, assessed(factory, people["declarant"]), draw=0.99)
    assert d.lane == "green" and status == "lane_selected" and d.probability is None
    assert any(r.startswith("fraud model not usable (model:") for r in d.reasons)
