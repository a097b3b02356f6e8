"""The environmental goods check over real HTTP and the CLI, on each backend: a loaded schedule, the declared
unit values of the economy's own declarations turning a specific rate into an ad valorem equivalent (only from
three goods items up: the check is public), editions of the list loaded by the administrator only."""

from __future__ import annotations

import copy
import itertools
import json

from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.schemas import DeclarationIn
from clearway.tariff import service as tariff
from tests.cli_support import run
from tests.green.support import LIST_CSV, schedule_json
from tests.support import example

DECLARANT = "AU-ABN-11222333444"
_lrn = itertools.count(1)


def load_schedule(factory) -> None:
    with transaction(factory) as session:
        tariff.load_schedules(session, text=schedule_json(), name="au-test.json", actor="test")


def lodge_boiler_parts(factory, principal, per_kg: list[str]) -> None:
    """One declaration per unit value: 100 kg of boiler parts (8402.90) at `per_kg` AUD a kilogram."""
    for price in per_kg:
        n = next(_lrn)
        d = copy.deepcopy(example("declaration-au-oranges.json"))
        d["lrn"], d["currency"] = f"GREEN-{n:04d}", "AUD"
        d["items"] = [{"hs_code": "840290", "description": "Parts for biomass boilers", "origin": "DE",
                       "quantity": "100", "unit": "kg", "net_weight_kg": "100", "value": str(100 * int(price))}]
        with transaction(factory) as session:
            declarations.lodge(session, principal=principal, decl=DeclarationIn(**d))


def subheading(body, code):
    return next(s for s in body["subheadings"] if s["subheading"] == code)


def test_the_check_is_public_and_uses_the_declared_unit_values(db, factory, keys, http):
    load_schedule(factory)
    declarant = keys.principal("declarant", "AU", DECLARANT)
    lodge_boiler_parts(factory, declarant, ["8", "10"])
    r = http.get("/api/v1/green/tariff-check", params={"economy": "AU", "date": "2026-12-01"})
    assert r.status_code == 200, r.text
    boiler = subheading(r.json(), "840290")
    assert boiler["status"] == "not_comparable"  # two goods items: too few to publish a unit value

    lodge_boiler_parts(factory, declarant, ["12", "14", "30"])
    body = http.get("/api/v1/green/tariff-check", params={"economy": "AU", "date": "2026-12-01"}).json()
    boiler = subheading(body, "840290")["mfn"][0]
    # median of 8, 10, 12, 14, 30 AUD/kg is 12: 0.60 / 12 = 5.00%, within the cap
    assert (boiler["ad_valorem_equivalent"], boiler["above_cap"]) == ("5.00", False)
    assert "12.00 AUD/kg (5 goods items)" in boiler["basis"]
    assert body["above_cap"] == ["85414310"] and body["cap_percent"] == "5"
    assert len(body["subheadings"]) == 67  # the shipped list: 54 Annex C rows, 67 HS 2022 subheadings


def test_a_bad_economy_or_date_is_a_problem_naming_the_field(db, http):
    r = http.get("/api/v1/green/tariff-check", params={"economy": "XX"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "economy" in r.text
    r = http.get("/api/v1/green/tariff-check", params={"economy": "AU", "date": "2026-13-01"})
    assert r.status_code == 422 and "date" in r.text


def test_only_the_administrator_loads_an_edition_and_the_newest_is_in_force(db, factory, keys):
    load_schedule(factory)
    params = {"name": "test edition", "reason": "three lines for the test"}
    with keys.client(keys.create("officer", "AU")) as officer:
        r = officer.post("/api/v1/green/list/editions", params=params, content=LIST_CSV,
                         headers={"Content-Type": "text/csv"})
        assert r.status_code == 403
    with keys.client(keys.create("admin", "AU")) as admin:
        bad = admin.post("/api/v1/green/list/editions", params=params, content="hs2022,description\n12,x\n",
                         headers={"Content-Type": "text/csv"})
        assert bad.status_code == 422 and "line 2.hs2022" in bad.text
        r = admin.post("/api/v1/green/list/editions", params=params, content=LIST_CSV,
                       headers={"Content-Type": "text/csv"})
        assert r.status_code == 201 and r.json()["subheadings"] == 3
        editions = admin.get("/api/v1/green/list/editions").json()
        assert [e["name"] for e in editions][:1] == ["test edition"] and editions[-1]["id"] is None
        body = admin.get("/api/v1/green/tariff-check", params={"economy": "AU"}).json()
    assert [s["subheading"] for s in body["subheadings"]] == ["854143", "840290", "850231"]
    assert body["counts"] == {"within": 0, "above": 1, "not_comparable": 1, "not_in_schedule": 1}


def test_the_cli_prints_the_check_and_refuses_a_bad_date(db, factory, tmp_path):
    load_schedule(factory)
    listed = tmp_path / "list.csv"
    listed.write_text(LIST_CSV)
    done = run(db, "green", "load", str(listed), "--name", "test edition", "--reason", "for the test")
    assert done.returncode == 0, done.stderr
    done = run(db, "green", "tariff-check", "AU", "--date", "2026-12-01")
    assert done.returncode == 0, done.stderr
    assert "3 listed subheadings: 0 within 5%, 1 above, 1 not comparable" in done.stdout
    assert "85414310 6%" in done.stdout
    as_json = json.loads(run(db, "green", "tariff-check", "AU", "--json").stdout)
    assert as_json["above_cap"] == ["85414310"]
    bad = run(db, "green", "tariff-check", "AU", "--date", "tomorrow")
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --date: 'tomorrow' is not a date (YYYY-MM-DD)"
