"""The workforce API over real HTTP on both backends: the admin of an economy enters its figures and its
self-assessment; shares and scores are public; evidence and action owners stay with its own customs."""

from __future__ import annotations

FIGURES = {"staff": 1200, "women": 420, "frontline_staff": 800, "frontline_women": 200, "recruits": 90,
           "recruits_women": 45, "leaders": 60, "leaders_women": 12, "trained": 300,
           "grades": {"senior": {"staff": 60, "women": 12}, "officer": {"staff": 900, "women": 300}}}


def test_admin_enters_head_counts_and_the_public_reads_shares(keys, http):
    with keys.client(keys.create("admin", "NZ")) as nz:
        assert nz.put("/api/v1/workforce/metrics/TH/2025", json=FIGURES).status_code == 403
    with keys.client(keys.create("officer", "TH")) as officer:
        assert officer.put("/api/v1/workforce/metrics/TH/2025", json=FIGURES).status_code == 403
    with keys.client(keys.create("admin", "TH")) as th:
        r = th.put("/api/v1/workforce/metrics/TH/2025", json=FIGURES)
        assert r.status_code == 201, r.text
        assert r.json()["shares"] == {"overall": "35.0", "frontline": "25.0", "recruits": "50.0",
                                      "leadership": "20.0", "trained": "25.0"}
        r = th.put("/api/v1/workforce/metrics/TH/2025", json={**FIGURES, "women": 1300})
        assert r.status_code == 422 and r.json()["errors"] == [{"path": "women", "reason": "is 1300, more than staff (1200)"}]
        assert th.put("/api/v1/workforce/metrics/TH/1800", json=FIGURES).json()["errors"][0]["path"] == "year"
    regional = http.get("/api/v1/workforce/regional").json()
    assert regional == [{"economy": "TH", "year": 2025, "illustrative": False,
                         "shares": {"overall": "35.0", "frontline": "25.0", "recruits": "50.0", "leadership": "20.0",
                                    "trained": "25.0"}, "grade_shares": {"senior": "20.0", "officer": "33.3"}}]
    with keys.client(keys.create("officer", "TH")) as officer:
        assert officer.get("/api/v1/workforce/metrics/TH/2025").json()["staff"] == 1200
        assert officer.get("/api/v1/workforce/metrics/TH/2024").status_code == 404
        assert [m["year"] for m in officer.get("/api/v1/workforce/metrics").json()] == [2025]
    with keys.client(keys.create("officer", "AU")) as other:
        assert other.get("/api/v1/workforce/metrics/TH/2025").status_code == 403
        assert other.get("/api/v1/workforce/metrics").json() == []  # its own economy's: none
        assert other.get("/api/v1/workforce/metrics", params={"economy": "TH"}).status_code == 403
    assert http.get("/api/v1/workforce/metrics/TH/2025").status_code == 401


def test_the_regional_view_leaves_out_groups_of_fewer_than_five(keys, http):
    with keys.client(keys.create("admin", "BN")) as bn:
        small = {**FIGURES, "leaders": 4, "leaders_women": 1, "grades": {"senior": {"staff": 4, "women": 1}}}
        assert bn.put("/api/v1/workforce/metrics/BN/2025", json=small).json()["shares"]["leadership"] == "25.0"
    [published] = http.get("/api/v1/workforce/regional").json()
    assert published["shares"]["leadership"] is None and published["grade_shares"] == {"senior": None}
    assert published["shares"]["overall"] == "35.0"


def test_self_assessment_scores_are_public_and_actions_stay_with_own_customs(keys, http):
    with keys.client(keys.create("admin", "TH")) as th:
        for day, indicator, body in [
            ("2025-03-01", "P3.2", {"rating": 1, "evidence": "no training yet", "action": "train border staff",
                                    "action_owner": "HR director", "action_due": "2025-12-31"}),
            ("2025-03-01", "P3.1", {"rating": 3}),
            ("2026-03-01", "P3.2", {"rating": 3, "action": "train the rest", "action_owner": "HR director",
                                    "action_due": "2099-06-30"}),
        ]:
            assert th.put(f"/api/v1/workforce/assessments/TH/{day}/{indicator}", json=body).status_code == 201
        r = th.put("/api/v1/workforce/assessments/TH/2026-03-01/P9.9", json={"rating": 2})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "indicator"
        r = th.put("/api/v1/workforce/assessments/TH/2026-03-01/P4.1", json={"rating": 2, "action": "set a target"})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "action_owner"
    scores = http.get("/api/v1/workforce/scores/TH").json()["scores"]
    assert scores == {"2025-03-01": {"P3": "50.0"}, "2026-03-01": {"P3": "75.0"}}  # (1+3)/8, 3/4
    with keys.client(keys.create("officer", "TH")) as officer:
        actions = officer.get("/api/v1/workforce/actions/TH").json()
        assert [(a["indicator"], a["action"], a["overdue"]) for a in actions] == [("P3.2", "train the rest", False)]
        assert len(officer.get("/api/v1/workforce/assessments/TH").json()) == 3
    with keys.client(keys.create("officer", "AU")) as other:
        assert other.get("/api/v1/workforce/assessments/TH").status_code == 403
        assert other.get("/api/v1/workforce/actions/TH").status_code == 403
    with keys.client(keys.create("declarant", "TH", "TH-TIN-1")) as trader:
        assert trader.get("/api/v1/workforce/actions/TH").status_code == 403
    assert http.get("/api/v1/workforce/actions/TH").status_code == 401


def test_every_change_of_the_head_counts_is_kept_with_who_and_when(keys, http):
    with keys.client(keys.create("admin", "PE")) as pe:
        assert pe.put("/api/v1/workforce/metrics/PE/2024", json=FIGURES).status_code == 201
        assert pe.put("/api/v1/workforce/metrics/PE/2024", json={**FIGURES, "trained": 600}).status_code == 200
        changes = pe.get("/api/v1/workforce/metrics/PE/2024/history").json()
    assert [(c["action"], c["before"] and c["before"]["trained"], c["after"]["trained"]) for c in changes] == [
        ("workforce.metrics.created", None, 300), ("workforce.metrics.changed", 300, 600)]
    assert all(c["actor"].startswith("admin:PE#") for c in changes)
