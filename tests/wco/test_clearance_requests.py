"""Clearance requests: HMRC's two real Customs Clearance Requests (tests/wco/examples/SOURCE.md: TypeCode EXJ and
IMJ, additional declaration type J; their own comments: a CCR is "for release ... for goods where a customs
declaration is not required", here paper envelopes and documentation and printed materials) and the same kind of
request lodged as JSON, on both backends: lodged without commodity code and value, nothing assessed (and said
so), laned, released, its RES messages valid."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clearway import xmlsafe
from clearway.db import utcnow
from clearway.flows import green_check, indicators, time_release
from clearway.wco import message, schema
from clearway.wco.profile import uk_example
from clearway.wco.ns import RES
from tests.support import example
from tests.wco.support import CLEARANCE_REQUESTS, XML, instance, value_at

NOTHING = "a clearance request releases goods for which no full declaration is required"


def _broker(keys, party: str):
    return keys.client(keys.create("declarant", "AU", party))


@pytest.mark.parametrize("name", CLEARANCE_REQUESTS)
def test_a_real_clearance_request_is_not_assessed_says_why_and_is_released(db, keys, name):
    broker = _broker(keys, value_at(instance(name), "Declarant/ID"))
    lodged = broker.post("/api/v1/declarations", content=instance(name), headers=XML)
    assert lodged.status_code == 201, lodged.text
    mrn, decl = lodged.json()["mrn"], lodged.json()["declaration"]
    assert decl["kind"] == "clearance_request" and "currency" not in decl
    assert [sorted(k for k in i if k in ("hs_code", "quantity", "value")) for i in decl["items"]] in (
        [[]], [["quantity"]])  # the IMJ's quantity is its net mass (90 kg); the EXJ declares none

    r = broker.post(f"/api/v1/declarations/{mrn}/assessment")
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["not_assessed"].startswith(NOTHING) and a["detail"]["not_assessed"] == a["not_assessed"]
    assert a["detail"]["lines"] == [] and a["detail"]["notes"] == [f"not assessed: {a['not_assessed']}"]
    assert (a["total_due"], a["currency"], a["lane"], a["status"]) == ("0.00", "AUD", "green", "released")
    assert a["release_code"]

    history = broker.get(f"/api/v1/declarations/{mrn}").json()["history"]
    assert [(h["to_status"], h["reason"].split(":")[0]) for h in history] == [
        ("accepted", "lodged"), ("assessed", "not assessed"), ("lane_selected", "green lane selected"),
        ("released", "released")]

    messages = broker.get(f"/api/v1/declarations/{mrn}/responses").json()
    assert [(m["kind"], m["function_code"]) for m in messages] == [("received", "02"), ("accepted", "01"),
                                                                   ("released", "09")]
    for m in messages:
        tree = xmlsafe.parse(m["xml"])
        assert schema.response_errors(tree) == [], m["kind"]
        assert tree.getroot().findtext(f"{{{RES}}}Response/{{{RES}}}Declaration/{{{RES}}}ID") == mrn


def _json_request() -> dict:
    doc = example("declaration-au-oranges.json")
    doc["declarant"]["id"] = doc["importer"]["id"] = "AU11222333444"
    doc["kind"] = "clearance_request"
    for key in ("currency", "freight", "insurance", "incoterm"):
        del doc[key]
    doc["items"] = [{"description": "Documentation and printed materials", "origin": "US", "net_weight_kg": "90",
                     "packages": 50, "package_type": "BG"}]
    return doc


def test_a_clearance_request_lodged_as_json_reads_out_as_wco_type_j(db, keys):
    doc = _json_request()
    broker = _broker(keys, doc["declarant"]["id"])
    r = broker.post("/api/v1/declarations", json=doc)
    assert r.status_code == 201, r.text
    mrn = r.json()["mrn"]
    x = broker.get(f"/api/v1/declarations/{mrn}", headers={"Accept": "application/xml"}).content
    assert [(e.path, e.reason) for e in schema.declaration_errors(xmlsafe.parse(x))] == []
    assert value_at(x, "TypeCode") == "IMJ"  # the UK profile's first clearance_request_types letter
    assert value_at(x, "GoodsShipment/GovernmentAgencyGoodsItem/Commodity/Classification/ID") is None
    assert value_at(x, "GoodsShipment/GovernmentAgencyGoodsItem/Commodity/InvoiceLine/ItemChargeAmount") is None
    assert value_at(x, "GoodsShipment/GovernmentAgencyGoodsItem/Commodity/GoodsMeasure/NetNetWeightMeasure") == "90"
    back = message.read(x, profile=uk_example()).declaration  # read in again: the same request
    assert (back.kind, back.items[0].hs_code, back.items[0].value, back.items[0].net_weight_kg) == (
        "clearance_request", None, None, 90)


def test_without_the_kind_the_same_json_is_refused_naming_each_missing_field(db, keys):
    doc = _json_request()
    doc["kind"] = "declaration"  # an ordinary declaration, said explicitly
    r = _broker(keys, doc["declarant"]["id"]).post("/api/v1/declarations", json=doc)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {"path": f"items[0].{key}", "reason": "is required (only a clearance request may omit it)"}
        for key in ("hs_code", "quantity", "unit", "value")] + [{"path": "currency", "reason": "is required"}]


def test_a_clearance_request_keeps_the_other_rules(db, keys):
    """A code it does declare must be a subheading; a value needs its currency; a quantity its unit; and a
    declaration cannot be turned into a clearance request by amendment."""
    doc = _json_request()
    doc["items"][0].update(hs_code="490199", value="12.00", quantity="3")
    broker = _broker(keys, doc["declarant"]["id"])
    r = broker.post("/api/v1/declarations", json={**doc, "items": [{**doc["items"][0], "hs_code": "999999"}]})
    assert r.status_code == 422
    assert {e["path"] for e in r.json()["errors"]} == {"items[0].hs_code", "items[0].unit", "currency"}
    assert {e["reason"] for e in r.json()["errors"] if e["path"] != "items[0].hs_code"} == {
        "is required with the quantity", "is required: the clearance request declares a value"}

    ordinary = example("declaration-au-oranges.json")
    ordinary["declarant"]["id"] = ordinary["importer"]["id"] = doc["declarant"]["id"]
    mrn = broker.post("/api/v1/declarations", json=ordinary).json()["mrn"]
    r = broker.post(f"/api/v1/declarations/{mrn}/amendments",
                    json={"reason": "no code needed", "changes": {"kind": "clearance_request"}})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["path"] == "changes.kind"


def test_a_quote_for_a_clearance_request_says_nothing_is_assessed(db, keys):
    doc = _json_request()
    r = _broker(keys, doc["declarant"]["id"]).post("/api/v1/assessments/quote", json=doc)
    assert r.status_code == 200, r.text
    assert r.json()["not_assessed"].startswith(NOTHING) and r.json()["lines"] == []


def test_the_statistics_count_a_released_clearance_request_without_a_code_or_value(db, keys):
    """Time release, the dashboard's environmental-goods section and the tariff check read items' commodity codes
    and values: a clearance request's items, without them, are counted where a code is not needed and left out
    where it is (never as a made-up code or a zero value)."""
    doc = _json_request()
    broker = _broker(keys, doc["declarant"]["id"])
    mrn = broker.post("/api/v1/declarations", json=doc).json()["mrn"]
    assert broker.post(f"/api/v1/declarations/{mrn}/assessment").json()["status"] == "released"
    now = utcnow()
    with db.factory() as session:
        frame = time_release.lifecycles(session, lo=now - timedelta(days=1), hi=now + timedelta(days=1))
        report = time_release.time_release(session, start=now - timedelta(days=1), end=now + timedelta(days=1),
                                           economy="AU", as_of=now + timedelta(hours=1))
        found = {i.key: i for i in indicators.indicators(session, economy="AU",
                                                         now=indicators.window_end(now.date()))}
        checked = green_check.tariff_check(session, economy="AU", on=now.date())
        values = green_check.unit_values(session, economy="AU", subheadings=frozenset({""}), currency="AUD")
    row = frame.row(0, named=True)
    assert (frame.height, row["lane"], row["essential"]) == (1, "green", False)
    assert report.declarations == 1
    assert {s.interval: s.ended for s in report.intervals}["lodgement_to_release"] == 1
    count = {s.name: dict(s.points) for s in found["environmental_goods_declarations"].series}
    assert count == {"carrying listed goods": {"declarations": 0}, "all goods": {"declarations": 1}}
    assert [s for s in found["environmental_goods_value"].series if s.points] == []  # no value declared
    assert checked.subheadings and values == {}  # the check runs; the request's item gives no unit value
