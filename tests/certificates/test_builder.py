"""Issue from JSON: any acceptable EPhytoIn becomes a schema-valid certificate that reads back the same."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearway.certificates import builder, schema, sps
from clearway.certificates.schemas import EPhytoIn
from tests.certificates.factories import ephyto

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co", "Zl", "Zp")),
               min_size=1, max_size=40).filter(lambda s: s.strip())
WEIGHT = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999999"), places=3)
COUNTRY = st.sampled_from(["AU", "NZ", "US", "CN", "JP", "VN", "SG", "CL"])

product = st.fixed_dictionaries({
    "description": TEXT, "hs_code": st.from_regex(r"^[0-9]{4,10}$", fullmatch=True), "botanical_name": TEXT,
    "net_weight_kg": WEIGHT.map(str), "packages": st.integers(1, 10**6),
}, optional={"common_name": TEXT, "quantity": WEIGHT.map(str), "quantity_unit": TEXT, "origin": COUNTRY})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consignor=TEXT, consignee=TEXT, destination=COUNTRY, products=st.lists(product, min_size=1, max_size=4),
       declarations=st.lists(TEXT, max_size=3), reexport=st.booleans())
def test_any_accepted_json_builds_a_valid_certificate_that_reads_back(consignor, consignee, destination, products,
                                                                      declarations, reexport):
    cert = EPhytoIn.model_validate(ephyto(consignor={"name": consignor}, consignee={"name": consignee},
                                          destination=destination, products=products, treatments=[],
                                          additional_declarations=declarations,
                                          type="reexport" if reexport else "phyto"))
    xml = builder.to_bytes(builder.build(cert))
    findings, tree = schema.check(xml)
    assert schema.severe(findings) == [], findings
    s = sps.summary(tree.getroot())
    assert s["type_code"] == (657 if reexport else 851)
    assert (s["consignor"]["name"], s["consignee"]["name"]) == (cert.consignor.name, cert.consignee.name)
    assert s["import_country"] == destination and s["additional_declarations"] == cert.additional_declarations
    assert [i["hs_code"] for i in s["items"]] == [p.hs_code for p in cert.products]
    assert [Decimal(i["net_weight_kg"]) for i in s["items"]] == [p.net_weight_kg for p in cert.products]
    assert [i["origin"] for i in s["items"]] == [p.origin or "TH" for p in cert.products]


def test_replacement_notes():
    root = builder.build(EPhytoIn.model_validate(ephyto()), replaces="TH2026-000100", replacement_reason="typo")
    s = sps.summary(root)
    assert (s["replaces"], s["replacement_reason"]) == ("TH2026-000100", "typo")
    assert schema.severe(schema.check(builder.to_bytes(root))[0]) == []
