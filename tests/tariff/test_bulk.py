"""The bulk path (columns) and the single path (one declaration per parcel) give identical amounts."""

from datetime import date
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.declarations.schemas import DeclarationIn
from clearway.reference import currencies
from clearway.tariff import bulk, core, rules, schedule
from tests.tariff.helpers import OFFICES, demo_rates

CODES = {"AU": ["610910", "220421", "640411", "851713", "080510"], "NZ": ["610910", "640411", "220421"],
         "JP": ["610910", "220421", "851713", "080510", "640411"], "US": ["080510", "610910", "64041180", "851713"],
         "CA": ["220421", "610910", "640411"], "TH": ["610910", "080510", "220421"]}
UNITS = {"080510": "kg", "220421": "l", "64041180": "pr", "640411": "pr"}


@st.composite
def parcels(draw):
    economy = draw(st.sampled_from(sorted(CODES)))
    on = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)))
    rows = []
    for i in range(draw(st.integers(1, 25))):
        code = draw(st.sampled_from(CODES[economy]))
        cur = draw(st.sampled_from(["USD", "JPY", "CNY", rules.get(economy).currency]))
        places = currencies.minor_units(cur)
        minor = draw(st.integers(1, 10 ** (7 + (2 - places if places < 2 else 0))))
        value = Decimal(minor).scaleb(-places)
        qty = Decimal(draw(st.integers(1, 50_000))).scaleb(-3)
        rows.append({"parcel": f"P{i}", "sender_name": "Shop",
                     "sender_country": draw(st.sampled_from(["CN", "US", "GB", "MX", "HK"])),
                     "receiver_name": "Buyer", "hs_code": code, "origin": draw(st.sampled_from(["CN", "VN"])),
                     "value": format(value, "f"),
                     "currency": cur, "quantity": format(qty, "f"), "unit": UNITS.get(code, "u"),
                     "weight_kg": format(qty, "f"),
                     "vendor_registration": draw(st.sampled_from([None, "ARN-000111222333"])),
                     # the law's own inputs (clearway.tariff.law): JP personal-use valuation, CA HST by province,
                     # CA's courier thresholds
                     "personal_use": draw(st.sampled_from([None, "true", "false"])),
                     "destination_region": draw(st.sampled_from(["ON", "NS", "QC", "AB"])),
                     "mode": draw(st.sampled_from([None, "courier", "post", "road"]))})
    return economy, on, rows


def single(economy, on, p):
    d = DeclarationIn.model_validate({
        "lrn": p["parcel"], "type": "import", "economy": economy, "office": OFFICES[economy],
        "declarant": {"id": "X", "name": "Carrier"}, "importer": {"name": p["receiver_name"]},
        "exporter": {"name": p["sender_name"], "country": p["sender_country"]},
        "transport": {"mode": "air", "courier": True} if p["mode"] == "courier" else {"mode": p["mode"] or "air"},
        "currency": p["currency"], "vendor_registration": p["vendor_registration"],
        "personal_use": None if p["personal_use"] is None else p["personal_use"] == "true",
        "destination_region": p["destination_region"],
        "items": [{"hs_code": p["hs_code"], "description": "parcel", "origin": p["origin"], "quantity": p["quantity"],
                   "unit": p["unit"], "net_weight_kg": p["weight_kg"], "value": p["value"]}]})
    return core.assess(d, on=on, rules=rules.get(economy), schedule=schedule.builtin(economy),
                       rates=demo_rates(economy, on))


@settings(max_examples=60, deadline=None)
@given(parcels())
def test_bulk_and_single_paths_give_identical_amounts(case):
    economy, on, rows = case
    df = pl.DataFrame(rows, schema={c: pl.String for c in bulk.COLUMNS if c in rows[0]})
    df = df.with_columns([pl.lit(None, pl.String).alias(c) for c in bulk.COLUMNS if c not in df.columns])
    df = df.with_columns(line=pl.int_range(1, df.height + 1), malformed=pl.lit(None, pl.String))
    res = bulk.assess(df, rules=rules.get(economy), schedule=schedule.builtin(economy),
                      rates=demo_rates(economy, on), on=on)
    out = bulk.result_rows(res).to_dicts()
    for p, b in zip(rows, out):
        a = single(economy, on, p)
        assert b["outcome"] == "assessed", b
        assert (Decimal(b["duty"]), Decimal(b["excise"]), Decimal(b["tax"]), Decimal(b["fees"]),
                Decimal(b["total"])) == (a.duty, a.excise, a.tax, a.fees, a.total_due), (p, b, a.as_dict())
        assert Decimal(b["customs_value"]) == a.customs_value


def test_a_malformed_parcel_is_refused_alone():
    text = "\n".join([
        '{"parcel": "A", "sender": {"name": "S", "country": "CN"}, "receiver": "R", "hs_code": "610910", '
        '"value": "20.00", "currency": "AUD"}',
        '{"parcel": "B", "hs_code": "610910", "value": "abc", "currency": "AUD", "origin": "CN"}',
        'not json',
        '{"parcel": "C", "description": "cotton t-shirts knitted", "value": "1500.00", "currency": "AUD", "origin": "CN"}',
        '{"parcel": "D", "hs_code": "999999", "value": "10", "currency": "AUD", "origin": "CN"}',
        '{"parcel": "E", "hs_code": "610910", "value": "10.001", "currency": "AUD", "origin": "CN"}',
        '{"parcel": "F", "hs_code": "610910", "value": "10", "currency": "XYZ", "origin": "CN"}',
    ])
    on = date(2026, 11, 28)
    res = bulk.assess(bulk.read_manifest(text), rules=rules.get("AU"), schedule=schedule.builtin("AU"),
                      rates=demo_rates("AU", on), on=on)
    rows = {r["parcel"] or r["line"]: r for r in bulk.result_rows(res).to_dicts()}
    assert rows["A"]["outcome"] == "assessed" and rows["A"]["total"] == "0.00"  # under AUD 1,000
    assert rows["B"]["reason"].startswith("value:")
    assert rows[3]["reason"].startswith("malformed JSON")
    assert rows["C"]["hs_code"] == "610910" and rows["C"]["classified"] is True
    assert rows["C"]["duty"] == "75.00" and rows["C"]["tax"] == "157.50"  # 5%; GST 10% of 1,575
    assert "HS 2022" in rows["D"]["reason"] and "decimal places" in rows["E"]["reason"]
    assert rows["F"]["reason"].startswith("currency:")
    assert res.summary["assessed"] == 2 and res.summary["refused"] == 5 and res.summary["total"] == "232.50"


def test_csv_manifest():
    text = "parcel,sender_country,hs_code,value,currency,quantity,unit\nP1,CN,080510,100.00,USD,10,kg\n"
    on = date(2026, 11, 28)
    res = bulk.assess(bulk.read_manifest(text), rules=rules.get("US"), schedule=schedule.builtin("US"),
                      rates=demo_rates("US", on), on=on)
    row = bulk.result_rows(res).to_dicts()[0]
    assert row["outcome"] == "assessed" and row["duty"] == "0.19" and row["line"] == 2
