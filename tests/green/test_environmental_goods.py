"""Declarations carrying APEC's environmental goods are flagged (the API read, the pages) and the dashboard's
industry pillar shows them against all goods: declared value, duty collected, lane shares and release times,
over a fixed window, on SQLite and PostgreSQL, from hand-built declarations."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from clearway.db import transaction
from clearway.declarations.models import Declaration
from clearway.demo_goods import DEMO_ECONOMIES, ENVIRONMENTAL_ECONOMIES, declaration, with_environmental_goods
from clearway.flows import environmental_goods, indicators
from clearway.green import egl, service as green
from clearway.tariff import schedule
from clearway.risk import decisions
from tests.green.support import AS_OF, LIST_CSV, seed


@pytest.fixture(autouse=True)
def no_model(monkeypatch, tmp_path):
    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "no-model"))


def test_an_item_under_a_listed_subheading_is_matched_with_its_line_and_caveat():
    edition = egl.parse(LIST_CSV, name="test edition")
    found = egl.matches(edition, ["61091000", "85414300", "8402900000", "850231"])
    assert [(m.item, m.subheading, m.listed_as, m.coverage) for m in found] == [
        (2, "854143", "854140", "listed"), (3, "840290", "840290", "possibly"), (4, "850231", "850231", "listed")]
    assert found[1].caveat.startswith("an ex-out: the list names only part of this subheading")
    assert found[0].caveat is None


def test_every_line_of_the_shipped_list_is_a_possible_match_with_the_lists_own_caveat():
    shipped = egl.shipped()
    found = egl.matches(shipped, ["854143", "441873", "842121"])
    assert {m.coverage for m in found} == {"possibly"}
    assert found[0].listed_as == "854140" and "not recovered" in found[0].caveat
    assert found[1].title == "Other Assembled Flooring Panels, Multilayer, of Bamboo (44187210)"
    assert "ex-out" in found[1].caveat
    assert egl.matches(shipped, ["610910", "080510"]) == []


def test_the_declaration_read_lists_its_environmental_goods(db, keys):
    fixture = seed(db.factory, keys)
    who = keys.create("declarant", "AU", fixture["declarant"])
    with keys.client(who) as client:
        flagged = client.get(f"/api/v1/declarations/{fixture['mrn']['pv']}").json()
        plain = client.get(f"/api/v1/declarations/{fixture['mrn']['shirts']}").json()
    assert [(g["item"], g["subheading"], g["listed_as"], g["coverage"]) for g in flagged["environmental_goods"]] \
        == [(1, "854143", "854140", "possibly")]
    assert "not recovered" in flagged["environmental_goods"][0]["caveat"]
    assert plain["environmental_goods"] == []


def test_the_declaration_list_flags_each_item_as_its_read_does(db, keys):
    fixture = seed(db.factory, keys)
    who = keys.create("declarant", "AU", fixture["declarant"])
    with keys.client(who) as client:
        listed = {i["id"]: i["environmental_goods"] for i in client.get("/api/v1/declarations").json()["items"]}
        assert set(listed) == set(fixture["mrn"].values())
        for mrn, flag in listed.items():
            assert flag == client.get(f"/api/v1/declarations/{mrn}").json()["environmental_goods"], mrn
    flagged = {name for name, mrn in fixture["mrn"].items() if listed[mrn]}
    assert flagged == {"pv", "boiler", "withdrawn"}
    assert [g["subheading"] for g in listed[fixture["mrn"]["pv"]]] == ["854143"]


def test_a_loaded_edition_changes_the_flag(db, keys):
    fixture = seed(db.factory, keys)
    with transaction(db.factory) as session:
        green.load(session, principal=None, actor="test", name="test edition", text=LIST_CSV, reason="a test")
        row = session.scalars(select(Declaration).where(Declaration.mrn == fixture["mrn"]["pv"])).one()
        (line,) = environmental_goods.matches(session, row=row)
    assert (line.listed_as, line.coverage, line.caveat) == ("854140", "listed", None)


def _points(ind) -> dict[str, dict[str, object]]:
    return {s.name: dict(s.points) for s in ind.series}


def test_the_industry_pillar_sets_environmental_goods_against_all_goods(db, keys):
    fixture = seed(db.factory, keys)
    with db.factory() as session:
        found = {i.key: i for i in indicators.indicators(session, economy="AU",
                                                         now=indicators.window_end(AS_OF))}
    rows = fixture["rows"]
    declared = [r for r in rows if r["status"] not in ("cancelled", "rejected")]
    listed = [r for r in declared if r["listed"]]

    count = _points(found["environmental_goods_declarations"])
    assert count["carrying listed goods"]["declarations"] == sum(r["listed"] for r in rows) == 3
    assert count["all goods"]["declarations"] == len(rows) == 5

    value = _points(found["environmental_goods_value"])
    assert value["carrying listed goods"]["USD"] == sum(r["value"] for r in listed) == Decimal("29850.00")
    assert value["listed goods items only"]["USD"] == sum(r["listed_value"] for r in listed) == Decimal("29000.00")
    assert value["all goods"]["USD"] == sum(r["value"] for r in declared) == Decimal("34850.00")

    duty = _points(found["environmental_goods_duty"])
    assert duty["carrying listed goods"][fixture["currency"]] == sum(r["paid"] for r in listed) > 0
    assert duty["all goods"][fixture["currency"]] == sum(r["paid"] for r in declared)
    assert duty["all goods"][fixture["currency"]] > duty["carrying listed goods"][fixture["currency"]]

    lanes = _points(found["environmental_goods_lanes"])
    assert lanes["carrying listed goods"] == {"green": 50.0, "yellow": 0.0, "red": 50.0}
    assert lanes["all goods"] == {"green": 50.0, "yellow": 25.0, "red": 25.0}

    release = _points(found["environmental_goods_release"])
    assert release["carrying listed goods"] == {"median": pytest.approx(2.0), "90th percentile": pytest.approx(10.0)}
    # all goods: 2, 4 and 10 h, and one still waiting (censored): the 90th percentile is not reached
    assert release["all goods"] == {"median": pytest.approx(4.0), "90th percentile": None}

    for ind in (found[k] for k in found if k.startswith("environmental_goods_")):
        assert ind.pillar == "industry" and ind.source == "computed"
        assert ind.provenance.startswith("computed live: 2026-01-01 to 2026-06-30 23:59 UTC")
        assert ind.section == "Environmental goods (APEC list) against all goods"
    method = found["environmental_goods_declarations"].note
    assert "'All goods' is every declaration lodged in the same window" in method
    assert "APEC List of Environmental Goods (2012)" in method and "possibly" in method


def test_the_window_leaves_out_what_was_lodged_outside_it(db, keys):
    seed(db.factory, keys)
    with db.factory() as session:
        later = {i.key: i for i in indicators.indicators(session, economy="AU",
                                                         now=datetime(2027, 3, 1, tzinfo=UTC))}
        other = {i.key: i for i in indicators.indicators(session, economy="NZ",
                                                         now=indicators.window_end(AS_OF))}
    for found in (later, other):
        count = _points(found["environmental_goods_declarations"])
        assert count == {"carrying listed goods": {"declarations": 0}, "all goods": {"declarations": 0}}
        assert found["environmental_goods_value"].series == [
            s for s in found["environmental_goods_value"].series if not s.points]


def test_the_dashboard_window_end_is_taken_as_a_date_and_refused_out_of_range_by_name(db, http):
    fixed = http.get("/api/v1/dashboard/indicators", params={"economy": "AU", "pillar": "industry",
                                                              "as_of": AS_OF.isoformat()})
    assert fixed.status_code == 200
    shown = {i["key"]: i for i in fixed.json()}
    assert "2026-01-01 to 2026-06-30 23:59 UTC" in shown["environmental_goods_value"]["provenance"]
    for bad in ("0001-01-01", "9999-12-31"):
        r = http.get("/api/v1/dashboard/indicators", params={"as_of": bad})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "as_of", bad
    csv = http.get("/api/v1/dashboard/indicators/environmental_goods_lanes.csv", params={"as_of": "2026-06-30"})
    assert csv.status_code == 200 and csv.text.splitlines()[0] == (
        "label,carrying listed goods (% of laned declarations),all goods (% of laned declarations)")


def test_one_demo_declaration_in_seven_carries_listed_goods_its_schedule_can_assess():
    rng = random.Random(2026)
    docs = [with_environmental_goods(declaration(DEMO_ECONOMIES[n % 6], n, rng), n) for n in range(70)]
    flagged = [d for d in docs if egl.matches(egl.shipped(), [i["hs_code"] for i in d["items"]])]
    assert 5 <= len(flagged) <= 10 and {d["economy"] for d in flagged} <= set(ENVIRONMENTAL_ECONOMIES)
    for d in flagged:
        assert Decimal(d["freight"]) + Decimal(d["insurance"]) < sum(Decimal(i["value"]) for i in d["items"])
        assert schedule.builtin(d["economy"]).find("mfn", "854143", date(2026, 12, 1)), d["economy"]
