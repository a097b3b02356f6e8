"""Two installations over real HTTP: an economy's installation publishes its aggregate indicators with
`clearway dashboard publish` to a regional installation, which shows the economies side by side."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from clearway.auth.service import create_key
from clearway.config import Settings
from clearway.dashboard import publishing
from clearway.db import make_engine, make_sessionmaker, migrate, transaction
from clearway.flows import regional_publication
from tests.cli_support import run
from tests.support import start_server
from tests.dashboard.support import seed_recent


@pytest.fixture
def regional(tmp_path):
    url = f"sqlite:///{tmp_path / 'region.db'}"
    engine = make_engine(url)
    migrate(engine)
    with transaction(make_sessionmaker(engine)) as session:
        tokens = {e: create_key(session, role="admin", economy=e, party_id=None, label=f"publisher {e}",
                                actor="test")[0] for e in ("AU", "NZ")}
    srv, uvicorn_server, thread = start_server(Settings(data_dir=Path("/nonexistent"), database_url=url))
    yield srv.url, tokens
    uvicorn_server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def test_economies_publish_to_the_region_idempotently_per_period(db, server, keys, regional):
    seeded = seed_recent(db, keys)
    region_url, tokens = regional
    publish = ["dashboard", "publish", "--to", region_url, "--period", "2026-11"]
    first = run(db, *publish, "--economy", "AU", "--token", tokens["AU"])
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["replaced"] is False and json.loads(first.stdout)["unchanged"] is False
    again = run(db, *publish, "--economy", "AU", "--token", tokens["AU"])
    assert json.loads(again.stdout)["unchanged"] is True
    assert run(db, *publish, "--economy", "NZ", "--token", tokens["NZ"]).returncode == 0
    wrong = run(db, *publish, "--economy", "NZ", "--token", tokens["AU"])
    assert wrong.returncode == 2 and "publishes the figures of AU, not of NZ" in wrong.stderr
    unknown = run(db, *publish, "--economy", "AU", "--token", "cw_nonsense")
    assert unknown.returncode == 2 and "401" in unknown.stderr

    with httpx.Client(timeout=60) as anyone:
        published = {p["economy"]: p for p in anyone.get(region_url + "/api/v1/dashboard/region").json()}
        local = {i["key"]: i for i in anyone.get(server.url + "/api/v1/dashboard/indicators",
                                                  params={"economy": "AU"}).json()}
        assert set(published) == {"AU", "NZ"} and published["AU"]["period"] == "2026-11"
        figures = {i["key"]: i for i in published["AU"]["indicators"]}
        assert figures["declaration_volumes"]["series"] == local["declaration_volumes"]["series"]
        assert dict(figures["declaration_volumes"]["series"][0]["points"])[seeded["month"]] == "2"
        assert all(i["source"] == "computed" for i in published["AU"]["indicators"])  # aggregates only
        assert "DEMO-AU" not in json.dumps(published) and "AU-DEMO-BROKER" not in json.dumps(published)
        page = anyone.get(region_url + "/dashboard/region").text
        assert 'data-economy="AU"' in page and 'data-economy="NZ"' in page and "Declarations lodged" in page


# Head counts from tests/workforce/test_api.py: 420 women of 1,200 staff is 35.0 %; the leadership's 60
# includes 12 women (20.0 %). NZ's TFA entries: A 1.1 implemented, A 2.1 in progress, B 7.4 implemented.
WORKFORCE = {"staff": 1200, "women": 420, "frontline_staff": 800, "frontline_women": 200, "recruits": 4,
             "recruits_women": 2, "leaders": 60, "leaders_women": 12, "trained": 300,
             "grades": {"senior": {"staff": 60, "women": 12}, "apprentice": {"staff": 3, "women": 1}}}
TFA = {"1.1": {"category": "A", "status": "implemented", "percent": 100, "evidence": "Customs Act 2018 s 12",
               "ta_needed": "none, said officer Jane Roe"},
       "2.1": {"category": "A", "status": "in_progress", "percent": 50, "ta_needed": "consultation portal"},
       "7.4": {"category": "B", "status": "implemented", "percent": 100, "evidence": "risk engine in production"}}


def _seed_nz(keys) -> None:
    with keys.client(keys.create("admin", "NZ")) as nz:
        assert nz.put("/api/v1/workforce/metrics/NZ/2025", json=WORKFORCE).status_code == 201
        assert nz.put("/api/v1/workforce/metrics/NZ/2024",
                      json={**WORKFORCE, "women": 396}).status_code == 201  # 33.0 %
        for measure, entry in TFA.items():
            r = nz.put(f"/api/v1/tfa/commitments/NZ/{measure}", json=entry)
            assert r.status_code == 201, r.text


def test_workforce_shares_and_tfa_rates_reach_the_region_side_by_side(db, server, keys, regional):
    _seed_nz(keys)
    region_url, tokens = regional
    publish = ["dashboard", "publish", "--to", region_url, "--period", "2026-11"]
    assert run(db, *publish, "--economy", "AU", "--token", tokens["AU"]).returncode == 0  # AU: nothing entered
    first = run(db, *publish, "--economy", "NZ", "--token", tokens["NZ"])
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["unchanged"] is False
    again = run(db, *publish, "--economy", "NZ", "--token", tokens["NZ"])
    assert json.loads(again.stdout)["unchanged"] is True and json.loads(again.stdout)["replaced"] is False

    with httpx.Client(timeout=60) as anyone:
        nz = {p["economy"]: p for p in anyone.get(region_url + "/api/v1/dashboard/region").json()}["NZ"]
        local = [r for r in anyone.get(server.url + "/api/v1/workforce/regional").json() if r["economy"] == "NZ"]
        assert [(y["year"], y["shares"], y["grade_shares"]) for y in nz["workforce"]] == \
            [(r["year"], r["shares"], r["grade_shares"]) for r in local]  # exactly what /regional shows
        assert nz["workforce"][1]["shares"]["overall"] == "35.0" and nz["workforce"][0]["shares"]["overall"] == "33.0"
        assert nz["workforce"][1]["shares"]["recruits"] is None  # 4 recruits: under 5, left out
        assert nz["workforce"][1]["grade_shares"] == {"senior": "20.0", "apprentice": None}
        assert {r["category"]: r["rate"] for r in nz["tfa"]} == {"A": "50.0", "B": "100.0", "C": None,
                                                                 "all": "66.7"}
        page = anyone.get(region_url + "/dashboard/region").text
        assert 'data-figure="workforce_overall"' in page and 'data-figure="tfa_implementation"' in page
        assert '<td data-economy="NZ">35.0</td>' in page and '<td data-economy="NZ">66.7</td>' in page
        assert "<svg" in page
        csv_text = anyone.get(region_url + "/dashboard/region/workforce_overall.csv").text
        assert csv_text.splitlines() == ["label,NZ (%)", "2024,33.0", "2025,35.0"]
        tfa_csv = anyone.get(region_url + "/dashboard/region/tfa_implementation.csv").text
        assert tfa_csv.splitlines() == ["label,NZ (%)", "A,50.0", "B,100.0", "C,", "all,66.7"]
        assert anyone.get(region_url + "/dashboard/region/nonsense.csv").status_code == 404


def test_no_head_count_or_personal_field_is_in_the_published_body(db, keys):
    """The body `dashboard publish` sends, built by the flow: shares and rates only."""
    _seed_nz(keys)
    with transaction(db.factory) as session:
        body = publishing.payload(regional_publication.figures(session, economy="NZ"), economy="NZ", period="2026-11")
    text = json.dumps(body)
    assert set(body) == {"economy", "period", "indicators", "workforce", "tfa"}
    assert set(body["workforce"][0]) == {"year", "shares", "grade_shares", "illustrative"}
    assert set(body["tfa"][0]) == {"category", "measures", "implemented", "rate"}
    for field in ("staff", "women", "leaders", "recruits_women", "evidence", "owner", "actor", "ta_needed"):
        assert f'"{field}"' not in text, field  # no such key anywhere in the body
    for value in ("Jane Roe", "Customs Act", "1200", "420", "396"):
        assert value not in text, value


def test_the_region_refuses_head_counts_naming_the_field(regional):
    region_url, tokens = regional
    year = {"year": 2025, "shares": {"overall": "35.0"}, "grade_shares": {}, "illustrative": False, "staff": 1200}
    with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {tokens['NZ']}"}) as nz:
        r = nz.post(region_url + "/api/v1/dashboard/publications",
                    json={"economy": "NZ", "period": "2026-11", "indicators": [], "workforce": [year]})
        assert r.status_code == 422 and "staff" in json.dumps(r.json()["errors"])
        r = nz.post(region_url + "/api/v1/dashboard/publications", json={
            "economy": "NZ", "period": "2026-11", "indicators": [],
            "tfa": [{"category": "A", "measures": 2, "implemented": 1, "rate": "fifty"}]})
        assert r.status_code == 422 and "rate" in json.dumps(r.json()["errors"])
        assert nz.get(region_url + "/api/v1/dashboard/region").json() == []  # nothing stored


def test_the_same_figures_computed_a_minute_later_change_nothing(regional):
    """The provenance names the minute its query window ended: two publications of the same figures a minute
    apart are the same figures (this failed once in CI when the two publishes of the test above straddled a
    minute)."""
    region_url, tokens = regional
    figure = {"key": "declaration_volumes", "pillar": "industry", "title": "Declarations", "unit": "declarations",
              "source": "computed", "chart": "bar", "note": None,
              "series": [{"name": "all", "points": [["2026-11", "2"]]}]}
    answers = []
    with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {tokens['AU']}"}) as region:
        for minute, value in (("13:09", "2"), ("13:10", "2"), ("13:11", "3")):
            figure["series"][0]["points"][0][1] = value
            body = {"economy": "AU", "period": "2026-11", "indicators": [
                {**figure, "provenance": f"computed live: 2026-06-01 to 2026-12-02 {minute} UTC, by month"}]}
            r = region.post(region_url + "/api/v1/dashboard/publications", json=body)
            assert r.status_code == 200, r.text
            answers.append((r.json()["replaced"], r.json()["unchanged"]))
    assert answers == [(False, False), (False, True), (True, False)]
