"""WCO DEC declarations in and out over real HTTP, on both backends, with HMRC's real example instances
(tests/wco/examples/SOURCE.md: hmrc/customs-declarations, customs-declare-exports, customs-declarations-stub;
Apache-2.0) mapped through the UK worked-example profile (src/clearway/wco/data/profiles/uk.toml)."""

from __future__ import annotations

import copy

import pytest

from clearway import xmlsafe
from clearway.wco import message, schema
from clearway.wco.profile import uk_example
from tests.support import example
from tests.wco.support import ADDITIONAL, CLEARANCE_REQUESTS, LODGEABLE, XML, elements, instance, value_at

PROFILE = uk_example()


def declarant_of(name: str) -> str:
    return PROFILE.party(value_at(instance(name), "Declarant/ID"))


def broker_for(keys, name: str):
    return keys.client(keys.create("declarant", "AU", declarant_of(name)))


@pytest.mark.parametrize("name", LODGEABLE)
def test_each_real_instance_lodges_and_reads_back_valid_with_every_element_kept(db, keys, name):
    broker = broker_for(keys, name)
    body = instance(name)
    r = broker.post("/api/v1/declarations", content=body, headers=XML)
    assert r.status_code == 201, r.text
    lodged = r.json()
    expected = message.read(body, profile=PROFILE).declaration
    assert (lodged["lrn"], lodged["type"], lodged["economy"], lodged["status"]) == (
        expected.lrn, expected.type, "AU", "accepted")
    assert r.headers["location"] == f"/api/v1/declarations/{lodged['mrn']}"

    x = broker.get(f"/api/v1/declarations/{lodged['mrn']}", headers={"Accept": "application/xml"})
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/xml")
    assert schema.declaration_errors(xmlsafe.parse(x.content)) == []
    # Same content for every element Clearway models...
    assert message.read(x.content, profile=PROFILE).declaration.model_dump() == expected.model_dump()
    # ...and every element it does not model is returned as lodged: nothing dropped, nothing moved.
    assert elements(x.content) == elements(body)

    # JSON stays the default answer.
    assert broker.get(f"/api/v1/declarations/{lodged['mrn']}").json()["declaration"] == lodged["declaration"]


def test_the_same_message_again_is_idempotent_on_the_lrn_and_other_content_conflicts(db, keys):
    name = "customs-declarations/TT_IM001d/TT_IM001d.xml"
    broker = broker_for(keys, name)
    first = broker.post("/api/v1/declarations", content=instance(name), headers=XML)
    again = broker.post("/api/v1/declarations", content=instance(name), headers=XML)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["mrn"] == first.json()["mrn"]
    other = instance(name).replace(b"<Description>Shavers</Description>", b"<Description>Razors</Description>")
    conflict = broker.post("/api/v1/declarations", content=other, headers=XML)
    assert conflict.status_code == 409, conflict.text
    assert "TT_IM01d_v1.6_230322_1" in conflict.json()["detail"]


def test_json_and_xml_lodge_through_the_same_rules(db, keys):
    """The mapped declaration is judged as JSON is: a declarant lodges for itself only, the XPath named."""
    name = "customs-declarations/TT_IM001d/TT_IM001d.xml"
    stranger = keys.client(keys.create("declarant", "AU", "GB000000000000"))
    r = stranger.post("/api/v1/declarations", content=instance(name), headers=XML)
    assert r.status_code == 403, r.text
    assert r.json()["errors"] == [{"path": "/md:MetaData/Declaration/Declarant/ID",
                                   "reason": "is not the party this key acts for"}]


def test_a_message_that_breaks_the_schema_is_refused_with_its_xpath_and_reason(db, keys):
    name = "customs-declarations/TT_IM001d/TT_IM001d.xml"
    broker = broker_for(keys, name)
    bad = instance(name).replace(b"<TypeCode>IMA</TypeCode>", b"<TypeCode>IMPORT</TypeCode>", 1)
    r = broker.post("/api/v1/declarations", content=bad, headers=XML)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert errors[0]["path"] == "/md:MetaData/Declaration/TypeCode"
    assert "length" in errors[0]["reason"]


@pytest.mark.parametrize("body,path,words", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "line 1", "no DTDs"),
    (b"<md:MetaData xmlns:md='urn:wco:datamodel:WCO:DocumentMetaData-DMS:2'>", "line 1", "not well-formed"),
    (b"<a>" * 70 + b"</a>" * 70, "line 1", "levels deep"),
])
def test_hostile_or_broken_xml_is_refused_by_the_hardened_parser(db, keys, body, path, words):
    broker = keys.client(keys.create("declarant", "AU", "GB553202734852"))
    r = broker.post("/api/v1/declarations", content=body, headers=XML)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["path"] == path and words in r.json()["errors"][0]["reason"]


@pytest.mark.parametrize("name", CLEARANCE_REQUESTS)
def test_a_clearance_request_made_an_ordinary_declaration_is_refused_naming_the_goods_item(db, keys, name):
    """The same real message with additional declaration type A (standard) instead of J: no commodity code."""
    broker = broker_for(keys, name)
    body = instance(name).replace(b"J</TypeCode>", b"A</TypeCode>", 1)
    r = broker.post("/api/v1/declarations", content=body, headers=XML)
    assert r.status_code == 422, r.text
    hs = [e for e in r.json()["errors"] if "items[0].hs_code" in e["path"]]
    assert [e["path"] for e in hs] == ["/md:MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem "
                                       "(items[0].hs_code)"]
    assert hs[0]["reason"] == "is required (only a clearance request may omit it)"
    assert any(e["path"].endswith("(items[0].value)") for e in r.json()["errors"])


@pytest.mark.parametrize("name", ADDITIONAL)
def test_additional_messages_are_refused_pointing_at_the_function_code(db, keys, name):
    broker = keys.client(keys.create("declarant", "AU", "GB553202734852"))
    r = broker.post("/api/v1/declarations", content=instance(name), headers=XML)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["path"] == "/md:MetaData/Declaration/FunctionCode"
    assert "FunctionCode 13 is an additional message" in r.json()["errors"][0]["reason"]


def test_a_declaration_lodged_as_json_reads_out_as_valid_wco_xml_with_the_codes(db, keys):
    doc = example("declaration-au-oranges.json")
    # CDS identifies parties by EORI (at most 17 characters): an ABN with its country prefix fits.
    doc["declarant"]["id"] = doc["importer"]["id"] = "AU11222333444"
    broker = keys.client(keys.create("declarant", "AU", doc["declarant"]["id"]))
    lodged = broker.post("/api/v1/declarations", json=doc).json()
    x = broker.get(f"/api/v1/declarations/{lodged['mrn']}", headers={"Accept": "application/xml"})
    assert [(e.path, e.reason) for e in schema.declaration_errors(xmlsafe.parse(x.content))] == []
    assert value_at(x.content, "BorderTransportMeans/ModeCode") == "1"  # Rec 19: maritime
    assert value_at(x.content, "TypeCode") == "IMA"
    assert value_at(x.content, "DeclarationOfficeID") == "GBLBA001"  # the profile's first office for AUSYD
    assert value_at(x.content, "GoodsShipment/GovernmentAgencyGoodsItem/AdditionalDocument/TypeCode") == "851"
    back = message.read(x.content, profile=PROFILE).declaration
    assert (back.lrn, back.transport.mode, back.items[0].hs_code, back.items[0].value, back.documents[0].type) == (
        doc["lrn"], "sea", "080510", 850, "ephyto")


def test_an_amended_declaration_reads_out_with_the_amendment_and_the_rest_as_lodged(db, keys):
    name = "customs-declarations/TT_IM001d/TT_IM001d.xml"
    broker = broker_for(keys, name)
    mrn = broker.post("/api/v1/declarations", content=instance(name), headers=XML).json()["mrn"]
    current = broker.get(f"/api/v1/declarations/{mrn}").json()["declaration"]
    items = copy.deepcopy(current["items"])
    items[1]["description"] = "Electric shavers"
    r = broker.post(f"/api/v1/declarations/{mrn}/amendments",
                    json={"reason": "description", "changes": {"incoterm": "FOB", "items": items}})
    assert r.status_code == 201, r.text
    x = broker.get(f"/api/v1/declarations/{mrn}", headers={"Accept": "application/xml"}).content
    assert schema.declaration_errors(xmlsafe.parse(x)) == []
    assert value_at(x, "GoodsShipment/TradeTerms/ConditionCode") == "FOB"
    back = message.read(x, profile=PROFILE).declaration
    assert back.items[1].description == "Electric shavers" and back.items[0].description == items[0]["description"]
    before, after = elements(instance(name)), elements(x)
    changed = {p for p, _, _ in set(before) ^ set(after)}
    assert changed == {"/md:MetaData/Declaration/GoodsShipment/TradeTerms/ConditionCode",
                       "/md:MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]/Commodity/Description"}


def test_the_json_answers_carry_the_codes_and_an_answer_lodged_again_is_the_same_declaration(db, keys):
    doc = example("declaration-au-oranges.json")
    doc["transport"]["mode"] = "1"  # the codes in, beside the words
    doc["items"][0]["unit"] = "KGM"
    doc["documents"][0]["type"] = "851"
    broker = keys.client(keys.create("declarant", "AU", doc["declarant"]["id"]))
    lodged = broker.post("/api/v1/declarations", json=doc)
    assert lodged.status_code == 201, lodged.text
    answered = lodged.json()["declaration"]
    assert (answered["transport"]["mode"], answered["transport"]["mode_code"]) == ("sea", "1")
    assert (answered["items"][0]["unit"], answered["items"][0]["unit_code"]) == ("KGM", "KGM")
    assert (answered["documents"][0]["type"], answered["documents"][0]["type_code"]) == ("ephyto", "851")
    mrn = lodged.json()["mrn"]
    assert broker.get(f"/api/v1/declarations/{mrn}").json()["declaration"] == answered
    versions = broker.get(f"/api/v1/declarations/{mrn}/versions").json()
    assert versions[0]["declaration"]["transport"]["mode_code"] == "1"
    again = broker.post("/api/v1/declarations", json=answered)  # what was read, sent back: the same content
    assert again.status_code == 200, again.text
    wrong = {**answered, "transport": {**answered["transport"], "mode_code": "4"}}
    refused = broker.post("/api/v1/declarations", json=wrong)
    assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "transport"
    assert "mode_code '4' does not say what mode 'sea' says" in refused.json()["errors"][0]["reason"]
