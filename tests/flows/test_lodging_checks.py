"""Lodging runs the other domains' checks in the same transaction: an import of fresh oranges that
cites an ePhyto nobody sent gets a yellow finding, visible to the broker and the officer."""

import copy

from tests.support import example


def test_missing_ephyto_is_a_yellow_finding_on_the_declaration(db, keys):
    broker = keys.client(keys.create("declarant", "AU", "AU-ABN-11222333444"))
    officer = keys.client(keys.create("officer", "AU"))
    mrn = broker.post("/api/v1/declarations", json=example("declaration-au-oranges.json")).json()["mrn"]
    findings = officer.get(f"/api/v1/declarations/{mrn}").json()["findings"]
    assert [(f["source"], f["lane"]) for f in findings] == [("certificates", "yellow")]
    assert "CN-2026-PHY-000042" in findings[0]["reason"]


def test_goods_that_need_no_certificate_get_no_finding(db, keys):
    broker = keys.client(keys.create("declarant", "AU", "AU-ABN-11222333444"))
    doc = copy.deepcopy(example("declaration-au-oranges.json"))
    doc["items"][0].update(hs_code="610910", description="Cotton T-shirts", unit="pce")
    doc["documents"] = []
    mrn = broker.post("/api/v1/declarations", json=doc).json()["mrn"]
    assert broker.get(f"/api/v1/declarations/{mrn}").json()["findings"] == []


def test_amending_in_a_missing_certificate_reference_raises_the_finding(db, keys):
    broker = keys.client(keys.create("declarant", "AU", "AU-ABN-11222333444"))
    doc = copy.deepcopy(example("declaration-au-oranges.json"))
    doc["documents"] = []
    mrn = broker.post("/api/v1/declarations", json=doc).json()["mrn"]
    before = broker.get(f"/api/v1/declarations/{mrn}").json()["findings"]
    assert [f["code"] for f in before] and before[0]["lane"] == "yellow"  # required but not cited
    broker.post(f"/api/v1/declarations/{mrn}/amendments",
                json={"reason": "cite the certificate", "changes": {"documents": [{"type": "ephyto",
                                                                                     "reference": "CN-X-1"}]}})
    after = broker.get(f"/api/v1/declarations/{mrn}").json()["findings"]
    assert len(after) == 1 and "CN-X-1" in after[0]["reason"]
