"""The dashboard over real HTTP on both backends: public indicators computed from the records, entered
indicators kept by admins with every change, the pages and their CSV."""

from __future__ import annotations

import csv
import io

import httpx

from tests.cli_support import run
from tests.dashboard.support import seed_recent

PAPERLESS = {"value": "97.5", "unit": "%", "source": "Annual report 2025, table 4", "as_of": "2025-12-31"}


def by_key(items: list[dict]) -> dict[str, dict]:
    return {i["key"]: i for i in items}


def test_indicators_are_public_and_computed_from_the_records(db, server, keys):
    seeded = seed_recent(db, keys)
    with httpx.Client(base_url=server.url, timeout=60) as anyone:
        r = anyone.get("/api/v1/dashboard/indicators", params={"economy": "AU"})
        assert r.status_code == 200, r.text
        found = by_key(r.json())
        month = seeded["month"]
        volumes = dict(found["declaration_volumes"]["series"][0]["points"])
        assert volumes[month] == "2" and found["declaration_volumes"]["source"] == "computed"
        assert "computed live" in found["declaration_volumes"]["provenance"]
        trend = {s["name"]: dict(s["points"]) for s in found["release_time_trend"]["series"]}
        # 5.5 h, and the waiting one censored at 40 days: KM S(5.5) = 1 - 1/2 = 0.5, so the median is 5.5 h
        assert trend["lodgement to release"][month] == "5.5"
        pre = dict(found["pre_arrival_share"]["series"][0]["points"])
        assert pre[month] == "50"  # the released one was lodged an hour before arrival
        assert dict(found["lane_shares"]["series"][0]["points"])[month] == "100"  # green
        revenue = found["revenue"]["series"][0]
        assert revenue["name"] == "AUD" and dict(revenue["points"])[month] not in (None, "0")
        assert {i["pillar"] for i in r.json()} == {"policy", "technology", "industry", "covid"}
        page = anyone.get("/dashboard/industry", params={"economy": "AU"})
        assert page.status_code == 200 and "<script" not in page.text
        assert page.text.count("<svg") >= 4 and "Download CSV" in page.text
        table = anyone.get("/api/v1/dashboard/indicators/declaration_volumes.csv", params={"economy": "AU"})
        rows = list(csv.reader(io.StringIO(table.text)))
        assert rows[0] == ["label", "declarations (declarations)"] and [month, "2"] in rows
        assert anyone.get("/dashboard/nowhere").status_code == 404
        assert anyone.get("/api/v1/dashboard/indicators/nowhere.csv").status_code == 404
        first = anyone.get("/dashboard", params={"economy": "AU"})
        assert (first.status_code, first.headers["location"]) == (307, "/dashboard/policy?economy=AU")


def test_admins_enter_indicators_and_every_change_is_kept(db, server, keys):
    admin = keys.client(keys.create("admin", "AU"))
    officer = keys.client(keys.create("officer", "AU"))
    r = officer.put("/api/v1/dashboard/entered/paperless_declarations_share", json=PAPERLESS)
    assert r.status_code == 403
    r = admin.put("/api/v1/dashboard/entered/paperless_declarations_share", json=PAPERLESS)
    assert r.status_code == 200, r.text
    assert (r.json()["economy"], r.json()["pillar"]) == ("AU", "technology")
    admin.put("/api/v1/dashboard/entered/paperless_declarations_share", json=PAPERLESS)  # the same: no change
    admin.put("/api/v1/dashboard/entered/paperless_declarations_share", json={**PAPERLESS, "value": "98.1"})
    history = admin.get("/api/v1/dashboard/entered/paperless_declarations_share/history").json()
    assert [h["value"] for h in history] == ["97.5", "98.1"] and history[0]["actor"].startswith("admin:AU")
    assert officer.get("/api/v1/dashboard/entered/paperless_declarations_share/history").status_code == 403
    bad = admin.put("/api/v1/dashboard/entered/new_measure", json=PAPERLESS)
    assert bad.status_code == 422 and {e["path"] for e in bad.json()["errors"]} == {"pillar", "title"}
    bad = admin.put("/api/v1/dashboard/entered/paperless_declarations_share", json={**PAPERLESS, "as_of": "soon"})
    assert bad.status_code == 422 and "as_of" in bad.text
    with httpx.Client(base_url=server.url, timeout=60) as anyone:
        shown = by_key(anyone.get("/api/v1/dashboard/indicators", params={"economy": "AU"}).json())
        entered = shown["paperless_declarations_share"]
        assert entered["source"] == "entered" and entered["series"][0]["points"] == [["2025-12-31", "98.1"]]
        assert "Annual report 2025, table 4" in entered["provenance"]
        page = anyone.get("/dashboard/technology", params={"economy": "AU"}).text
        assert "98.1" in page and "Annual report 2025, table 4" in page
    admin.close()
    officer.close()


def test_the_cli_enters_and_shows_the_history(db, keys):
    key = keys.create("admin", "NZ")
    args = ["--value", "12", "--unit", "agencies", "--source", "NZCS single window report", "--as-of",
            "2026-06-30", "--key", key]
    done = run(db, "dashboard", "enter", "single_window_agencies", *args)
    assert done.returncode == 0 and "set NZ/single_window_agencies = 12 agencies" in done.stdout, done.stderr
    again = run(db, "dashboard", "enter", "single_window_agencies", *args)
    assert "unchanged" in again.stdout
    shown = run(db, "dashboard", "history", "single_window_agencies", "--key", key)
    assert shown.stdout.count("NZCS single window report") == 1
    bad = run(db, "dashboard", "enter", "single_window_agencies", *args[:-3], "not-a-date", "--key", key)
    assert bad.returncode == 2 and bad.stderr.startswith("error: --as-of")
