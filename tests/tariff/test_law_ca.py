"""Canada: GST, or the HST with its provincial part for non-commercial goods bound for a participating province;
the CUSMA thresholds (CAD 40 tax, CAD 150 duty) for courier shipments from the US or Mexico only."""

from datetime import date
from decimal import Decimal as D

import pytest

from clearway.errors import Invalid
from clearway.tariff import schedule
from tests.tariff.helpers import assess, bulk_rows, decl, lines

ON = date(2026, 11, 28)
TEE = "610910"  # 18% MFN in the shipped CA schedule


def _from(country: str, value: str, **extra):
    return decl("CA", [{"hs_code": TEE, "quantity": "1", "value": value, "origin": "CN"}], "CAD",
                exporter={"name": "Shop", "country": country}, **extra)


def test_cbsa_worked_example_duty_then_gst_on_value_for_tax():
    # CBSA's example of a calculation of customs duty and GST (commercial goods): US$100 at US$1 = CAN$1.15 is a
    # value for duty of CAN$115; 4% duty = 4.60; value for tax 119.60 x 5% GST = 5.98; total 10.58.
    four = schedule.parse_document({"economy": "CA", "currency": "CAD", "measures": [
        {"code": "940360", "type": "mfn", "rate": "4%"}]})
    a = assess(decl("CA", [{"hs_code": "940360", "value": "100.00"}], "USD"), sched=four, rates={"USD": D("1.15")})
    assert (a.customs_value, a.duty, a.tax, a.total_due) == (D("115.00"), D("4.60"), D("5.98"), D("10.58"))


@pytest.mark.parametrize("region,on,rate,hst", [
    ("ON", ON, "13%", "30.68"),  # 5% GST + 8% Ontario
    ("NB", ON, "15%", "35.40"), ("NL", ON, "15%", "35.40"), ("PE", ON, "15%", "35.40"),
    ("NS", date(2025, 3, 31), "15%", "35.40"),
    ("NS", date(2025, 4, 1), "14%", "33.04"),  # Nova Scotia's HST down to 14% from 2025-04-01
    ("AB", ON, "5%", "11.80"),  # no HST: GST only
])
def test_hst_by_province_of_destination_for_goods_for_personal_use(region, on, rate, hst):
    # A T-shirt bought for personal use, CAD 200 by post: duty 18% = 36.00; HST on the value for tax 236.00.
    # (A broker's published example, Shippsy "How to calculate new CBSA charges", scenario B: CAD 150 T-shirt to
    # an Ontario personal account: duty 27.00, HST 13% of 177.00 = 23.01; scenario D, a business account: GST 8.85.)
    a = assess(_from("CN", "200.00", personal_use=True, destination_region=region, transport={"mode": "post"}), on=on)
    assert (a.duty, a.tax) == (D("36.00"), D(hst))
    assert lines(a, "tax")[0].rate == rate


def test_broker_example_personal_and_business_accounts_in_ontario():
    personal = assess(_from("CN", "150.00", personal_use=True, destination_region="ON"))
    business = assess(_from("CN", "150.00", destination_region="ON"))
    assert (personal.duty, personal.tax) == (D("27.00"), D("23.01"))
    assert (business.duty, business.tax) == (D("27.00"), D("8.85"))  # commercial: the provincial part is self-assessed
    assert "HST ON" in lines(personal, "tax")[0].legal_basis


def test_goods_for_personal_use_without_a_province_are_refused_with_the_field():
    with pytest.raises(Invalid) as exc:
        assess(_from("CN", "200.00", personal_use=True))
    assert exc.value.errors[0].path == "destination_region"
    assert "ON, NB, NL, NS or PE" in exc.value.errors[0].reason


@pytest.mark.parametrize("value,duty,tax", [
    ("40.00", "0.00", "0.00"),  # up to CAD 40: duty and tax free
    ("40.01", "0.00", "2.00"),  # above CAD 40 to 150: duty free, GST 5%
    ("150.00", "0.00", "7.50"),
    ("150.01", "27.00", "8.85"),  # above CAD 150: duty 18% and GST on the duty-paid value
])
def test_cusma_thresholds_for_a_courier_shipment_from_the_united_states(value, duty, tax):
    # CBSA, "CUSMA: Increase to low-value shipment thresholds" and Customs Notice 20-18.
    a = assess(_from("US", value, transport={"mode": "air", "courier": True}))
    assert (a.duty, a.tax) == (D(duty), D(tax))


@pytest.mark.parametrize("mode", ["road", "rail", "sea", "post"])
def test_the_cusma_thresholds_are_for_couriers_only_not_road_rail_sea_or_mail(mode):
    # CBSA: "For a shipment imported by mail ... above $20: duties and taxes apply, including the US and Mexico";
    # CAD 100 from the US by road: duty 18.00, GST 5% of 118.00 = 5.90.
    a = assess(_from("US", "100.00", transport={"mode": mode}))
    assert (a.duty, a.tax) == (D("18.00"), D("5.90"))
    assert a.de_minimis["duty_threshold"] == D("20.00")


def test_a_courier_shipment_from_elsewhere_keeps_the_cad_20_threshold():
    assert assess(_from("MX", "100.00", transport={"mode": "air", "courier": True})).duty == 0
    cn = assess(_from("CN", "30.00", transport={"mode": "air", "courier": True}))
    assert (cn.duty, cn.tax) == (D("5.40"), D("1.77"))
    assert assess(_from("CN", "20.00", transport={"mode": "air", "courier": True})).total_due == 0


def test_a_quote_over_http_without_the_province_is_a_422_naming_the_field(server, keys):
    client = keys.client(keys.create("declarant", "CA", "CA-BN-123456789"))
    body = _from("CN", "200.00", personal_use=True).model_dump(mode="json", exclude_none=True)
    body["declarant"]["id"], body["office"] = "CA-BN-123456789", "CATOR"
    r = client.post("/api/v1/assessments/quote", json={**body, "date": "2026-11-28"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["path"] == "destination_region"
    ok = client.post("/api/v1/assessments/quote", json={**body, "destination_region": "on", "date": "2026-11-28"})
    assert ok.status_code == 200, ok.text
    assert (ok.json()["duty"], ok.json()["tax"]) == ("36.00", "30.68")


def test_the_bulk_path_applies_the_same_law():
    tee = {"hs_code": TEE, "currency": "CAD", "origin": "CN", "quantity": "1"}
    rows = bulk_rows("CA", [
        {**tee, "parcel": "on", "value": "200.00", "sender": {"name": "S", "country": "CN"}, "mode": "post",
         "personal_use": "true", "destination_region": "on"},
        {**tee, "parcel": "no-province", "value": "200.00", "personal_use": "true"},
        {**tee, "parcel": "courier", "value": "100.00", "sender": {"name": "S", "country": "US"}, "mode": "courier"},
        {**tee, "parcel": "road", "value": "100.00", "sender": {"name": "S", "country": "US"}, "mode": "road"}])
    assert (rows["on"]["duty"], rows["on"]["tax"]) == ("36.00", "30.68")
    assert rows["no-province"]["reason"].startswith("destination_region: the province")
    assert (rows["courier"]["duty"], rows["courier"]["tax"]) == ("0.00", "5.00")
    assert (rows["road"]["duty"], rows["road"]["tax"]) == ("18.00", "5.90")
