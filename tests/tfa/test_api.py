"""The TFA API over real HTTP on both backends: only an economy's admin edits its own entries, the public
reads what is published, bad input is refused naming the field, and every change is kept with who and when."""

from __future__ import annotations

import httpx

from clearway.audit.service import verify_chain
from clearway.db import transaction

ENTRY = {"category": "C", "definitive_date": "2030-12-31", "status": "in_progress", "percent": 40,
         "priority": "high", "ta_needed": "risk engine and targeting training"}


def test_only_the_admin_of_an_economy_edits_its_entries(keys, http):
    admin_au, admin_nz = keys.create("admin", "AU"), keys.create("admin", "NZ")
    officer_au = keys.create("officer", "AU")
    with keys.client(admin_nz) as nz:
        r = nz.put("/api/v1/tfa/commitments/AU/7.4", json=ENTRY)
        assert r.status_code == 403 and r.json()["errors"] == [
            {"path": "economy", "reason": "is not the economy this key administers (NZ)"}]
    with keys.client(officer_au) as officer:
        assert officer.put("/api/v1/tfa/commitments/AU/7.4", json=ENTRY).status_code == 403
    assert http.put("/api/v1/tfa/commitments/AU/7.4", json=ENTRY).status_code == 401
    assert http.get("/api/v1/tfa/commitments/AU/7.4").status_code == 404  # nothing stored by the refusals
    with keys.client(admin_au) as au:
        r = au.put("/api/v1/tfa/commitments/au/7.4", json=ENTRY)
        assert r.status_code == 201, r.text
        assert r.json()["economy"] == "AU" and r.json()["measure_title"] == "Risk management"
        r = au.put("/api/v1/tfa/commitments/AU/7.4", json={**ENTRY, "status": "implemented", "percent": 100,
                                                           "evidence": "Customs Act s. 77, risk engine live"})
        assert r.status_code == 200 and r.json()["status"] == "implemented"


def test_the_public_reads_commitments_without_a_key_and_each_change_is_kept(keys, http, db):
    with keys.client(keys.create("admin", "PE")) as pe:
        assert pe.put("/api/v1/tfa/commitments/PE/10.4", json={**ENTRY, "category": "B", "percent": 10}).status_code == 201
        assert pe.put("/api/v1/tfa/commitments/PE/10.4", json={**ENTRY, "category": "B", "percent": 55}).status_code == 200
        assert pe.put("/api/v1/tfa/commitments/PE/1.1", json={"category": "A", "status": "not_started"}).status_code == 201
    listed = http.get("/api/v1/tfa/commitments", params={"economy": "PE"}).json()
    assert [(c["measure"], c["percent"]) for c in listed] == [("1.1", 0), ("10.4", 55)]  # treaty order
    assert listed[0]["due_date"] == "2017-02-22" and listed[0]["days_overdue"] > 3000  # Category A, undated
    assert http.get("/api/v1/tfa/commitments/PE/10.4").json()["percent"] == 55
    changes = http.get("/api/v1/tfa/commitments/PE/10.4/history").json()
    assert [c["action"] for c in changes] == ["tfa.commitment.created", "tfa.commitment.changed"]
    assert changes[0]["before"] is None and changes[1]["before"]["percent"] == 10 and changes[1]["after"]["percent"] == 55
    assert changes[1]["actor"].startswith("admin:PE#")
    with transaction(db.factory) as session:
        assert verify_chain(session)[1] is None


def test_bad_entries_are_refused_naming_the_field(keys):
    with keys.client(keys.create("admin", "CL")) as cl:
        r = cl.put("/api/v1/tfa/commitments/CL/7.1", json={**ENTRY, "status": "implemented", "percent": 100})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "evidence"
        r = cl.put("/api/v1/tfa/commitments/CL/99", json=ENTRY)
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "measure"
        r = cl.put("/api/v1/tfa/commitments/CL/7.1", json={**ENTRY, "category": "D", "percent": 140})
        assert r.status_code == 422 and {e["path"] for e in r.json()["errors"]} == {"category", "percent"}
        r = cl.put("/api/v1/tfa/commitments/CL/7.1", json={**ENTRY, "definitive_date": "2016-01-01"})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "definitive_date"


def _project(client: httpx.Client, code: str, **fields) -> None:
    body = {"title": code, "donor": "WCO", "measures": ["7.4"], "modality": "national", "status": "ongoing", **fields}
    r = client.put(f"/api/v1/tfa/projects/{code}", json=body)
    assert r.status_code == 201, r.text


def test_matches_rank_and_explain_and_gaps_list_uncovered_needs(keys, http):
    admin_pg = keys.create("admin", "PG")
    with keys.client(admin_pg) as pg:
        for measure, body in {"7.4": ENTRY, "7.6": {**ENTRY, "category": "B", "priority": "medium"},
                              "3": {"category": "C", "status": "not_started"}}.items():
            assert pg.put(f"/api/v1/tfa/commitments/PG/{measure}", json=body).status_code == 201
        _project(pg, "RISK-1", measures=["7.4", "7.5"])
        _project(pg, "TRS-1", measures=["7.6"], eligible=["PG", "VN"], status="planned", start="2099-01-01")
        _project(pg, "VN-ONLY", measures=["7.4", "3"], eligible=["VN"])
    with keys.client(keys.create("officer", "PG")) as officer:
        assert officer.put("/api/v1/tfa/projects/X", json={"title": "x", "donor": "y", "measures": ["7.1"],
                                                          "modality": "z"}).status_code == 403
    got = http.get("/api/v1/tfa/matches", params={"economy": "PG"}).json()
    assert [(m["project"]["code"], m["score"]) for m in got["matches"]] == [("RISK-1", 4), ("TRS-1", 3)]
    assert got["matches"][0]["explanation"][1] == "7.4: priority high = 3 + 1 (assistance asked: Category C)"
    assert got["matches"][1]["explanation"][-1] == "modality national, status planned, starts 2099-01-01"
    assert got["left_out"] == [{"project": "VN-ONLY", "reason": "PG is not among the eligible economies (VN)"}]
    changes = http.get("/api/v1/tfa/projects/RISK-1/history").json()
    assert [(c["action"], c["after"]["measures"]) for c in changes] == [("tfa.project.created", ["7.4", "7.5"])]
    gaps = http.get("/api/v1/tfa/gaps").json()["gaps"]
    assert gaps == [{"measure": "3", "measure_title": "Advance rulings", "economies": ["PG"]}]
    r = http.get("/api/v1/tfa/matches", params={"economy": "ZZ"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "economy"


def test_project_with_unknown_measures_or_economies_is_refused(keys):
    with keys.client(keys.create("admin", "AU")) as au:
        r = au.put("/api/v1/tfa/projects/BAD", json={"title": "t", "donor": "d", "measures": ["7.4", "7.99"],
                                                     "eligible": ["XX"], "modality": "m", "start": "2027-01-01",
                                                     "end": "2026-01-01"})
        assert r.status_code == 422
        assert [e["path"] for e in r.json()["errors"]] == ["measures[1]", "eligible[0]", "end"]


def test_published_reads_are_the_same_for_every_role_and_without_a_key(keys, http):
    with keys.client(keys.create("admin", "AU")) as au:
        assert au.put("/api/v1/tfa/commitments/AU/7.1", json=ENTRY).status_code == 201
        _project(au, "RISK-2")
    paths = ["/api/v1/tfa/commitments", "/api/v1/tfa/commitments/AU/7.1", "/api/v1/tfa/heatmap",
             "/api/v1/tfa/projects", "/api/v1/tfa/projects/RISK-2", "/api/v1/tfa/gaps",
             "/api/v1/tfa/matches?economy=AU", "/api/v1/workforce/regional"]
    anonymous = {p: http.get(p).json() for p in paths}
    assert anonymous["/api/v1/tfa/heatmap"]["economies"] == ["AU"]
    for role, economy, party in [("declarant", "NZ", "NZ-IRD-1"), ("officer", "AU", None), ("nppo", "AU", "NPPO-AU"),
                                 ("admin", "NZ", None)]:
        with keys.client(keys.create(role, economy, party)) as client:
            for p in paths:
                assert client.get(p).json() == anonymous[p], (role, p)
