"""Issue, import, validate, withdraw and replace over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from clearway.certificates import signing
from clearway.certificates.models import Certificate, Delivery
from tests.certificates.factories import ephyto, sample

XML = {"Content-Type": "application/xml"}


def count(db, model) -> int:
    with db.factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_issue_from_json_gives_a_signed_valid_certificate_queued_for_the_importer(db, server, keys, th_key):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        r = th.post("/api/v1/certificates/ephyto", json=ephyto())
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["number"], body["status"], body["status_code"], body["direction"]) == (
            "TH2026-000123", "issued", 70, "issued")
        assert body["signed"] and body["signature_verified"]
        assert body["delivery"]["to"] == "AU" and body["delivery"]["state"] == "pending"
        assert [f for f in body["findings"] if f["level"] != "INFO"] == []
        assert body["summary"]["items"][0]["hs_code"] == "080450"
        xml = th.get("/api/v1/certificates/ephyto/TH2026-000123/xml")
        assert xml.headers["content-type"].startswith("application/xml")
        signing.verify(xml.content, th_key)
        assert signing.verification_code(xml.content) == body["verification_code"]
        v = th.post("/api/v1/certificates/ephyto/validate", content=xml.content, headers=XML).json()
        assert v["valid"] is True
        again = th.post("/api/v1/certificates/ephyto", json=ephyto())
        assert again.status_code == 200 and again.json()["verification_code"] == body["verification_code"]
        clash = th.post("/api/v1/certificates/ephyto", json=ephyto(destination="NZ"))
        assert clash.status_code == 409
    assert count(db, Certificate) == 1 and count(db, Delivery) == 1


def test_bad_json_is_refused_naming_the_field_and_nothing_is_stored(db, server, keys, th_key):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        bad = ephyto()
        bad["products"][0]["hs_code"] = "08A"
        r = th.post("/api/v1/certificates/ephyto", json=bad)
        assert r.status_code == 422
        assert any(e["path"] == "products[0].hs_code" for e in r.json()["errors"])
        r = th.post("/api/v1/certificates/ephyto", json=ephyto(origin="VN"))
        assert r.status_code == 403 and r.json()["errors"][0]["path"] == "origin"
        r = th.post("/api/v1/certificates/ephyto", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 422
    with keys.client(keys.create("declarant", "TH", "TH-TRADER")) as trader:
        assert trader.post("/api/v1/certificates/ephyto", json=ephyto()).status_code == 403
    assert count(db, Certificate) == 0


def test_issue_needs_a_signing_key(db, server, keys):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        r = th.post("/api/v1/certificates/ephyto", json=ephyto())
        assert r.status_code == 409 and "nppo keys create" in r.json()["detail"]
    assert count(db, Certificate) == 0


def _co_sample() -> bytes:
    """The shared Colombian sample with Thailand as the exporting country: an XML made by TH's own system."""
    return sample("SPSCertificate.xml").replace(b"<ram:ID>CO</ram:ID>", b"<ram:ID>TH</ram:ID>", 1)


def test_import_an_unsigned_xml_signs_it_here(db, server, keys, th_key):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        r = th.post("/api/v1/certificates/ephyto", content=_co_sample(), headers=XML)
        assert r.status_code == 201, r.text
        assert r.json()["number"] == "123456789CO" and r.json()["importing_economy"] == "PE"
        signing.verify(th.get("/api/v1/certificates/ephyto/123456789CO/xml").content, th_key)
        # the sample's own ADRPN note names the certificate it replaces
        assert r.json()["replaces"] == "3214356"


def test_import_refuses_bad_xml_with_reasons_and_stores_nothing(db, server, keys, th_key):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        cases = [
            (b"<rsm:SPSCertificate", 422, "not well-formed"),
            (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', 422, "DOCTYPE"),
            (_co_sample().replace(b"<ram:TypeCode>851</ram:TypeCode>", b""), 422, "not expected"),
            (sample("SPSCertificate.xml"), 403, "not this NPPO's economy"),
            (sample("SPSCertificate-signed.xml").replace(b"<ram:ID>CO</ram:ID>", b"<ram:ID>TH</ram:ID>", 1), 422,
             "does not verify"),
            (b"<r>" + b"x" * 1_100_000 + b"</r>", 413, "over the limit"),
        ]
        for data, status, words in cases:
            r = th.post("/api/v1/certificates/ephyto", content=data, headers=XML)
            assert r.status_code == status, (words, r.text)
            assert words in r.text, r.text
        assert th.get("/healthz").status_code == 200  # still serving
    assert count(db, Certificate) == 0


def test_validate_answers_graded_findings_and_stores_nothing(db, server, keys):
    with keys.client(keys.create("officer", "AU")) as officer:
        r = officer.post("/api/v1/certificates/ephyto/validate",
                         content=sample("mattilsynet-SPSCertificateContent.xml"), headers=XML)
        assert r.status_code == 200
        body = r.json()
        assert body["valid"] is False
        assert [f["level"] for f in body["findings"]][:2] == ["SEVERE", "SEVERE"]
        assert body["findings"][0]["line"] == 84
        ok = officer.post("/api/v1/certificates/ephyto/validate", content=sample("SPSCertificate-signed.xml"),
                          headers=XML).json()
        assert ok["valid"] is True and {f["level"] for f in ok["findings"]} == {"INFO"}
    assert count(db, Certificate) == 0


def test_withdraw_and_replace(db, server, keys, th_key):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        assert th.post("/api/v1/certificates/ephyto", json=ephyto()).status_code == 201
        new = ephyto(number="TH2026-000124")
        r = th.post("/api/v1/certificates/ephyto/TH2026-000123/replace",
                    json={"reason": "consignee corrected", "certificate": new})
        assert r.status_code == 201, r.text
        assert r.json()["replaces"] == "TH2026-000123" and r.json()["summary"]["replacement_reason"] == \
            "consignee corrected"
        old = th.get("/api/v1/certificates/ephyto/TH2026-000123").json()
        assert (old["status"], old["replaced_by"]) == ("replaced", "TH2026-000124")
        assert th.post("/api/v1/certificates/ephyto/TH2026-000123/withdraw",
                       json={"reason": "x"}).status_code == 409
        w = th.post("/api/v1/certificates/ephyto/TH2026-000124/withdraw", json={"reason": "shipment cancelled"})
        assert w.status_code == 200
        assert (w.json()["status"], w.json()["status_code"]) == ("withdrawn", 40)
        xml = th.get("/api/v1/certificates/ephyto/TH2026-000124/xml").content
        assert b"<ram:StatusCode>40</ram:StatusCode>" in xml
        signing.verify(xml, th_key)
        with db.factory() as session:
            sent = sorted((d.status_code for d in session.scalars(select(Delivery))))
        assert sent == [40, 70, 70]
    with keys.client(keys.create("nppo", "AU", "NPPO-AU")) as au:
        assert au.post("/api/v1/certificates/ephyto/TH2026-000124/withdraw",
                       json={"reason": "not mine"}).status_code == 404


def test_trusting_an_nppo_certificate_is_for_admins(db, server, keys, th_key):
    with keys.client(keys.create("admin", "AU")) as admin:
        r = admin.post("/api/v1/certificates/nppo-certificates",
                       json={"economy": "TH", "certificate_pem": th_key})
        assert r.status_code == 201 and r.json()["fingerprint"] == signing.fingerprint(th_key)
        r = admin.post("/api/v1/certificates/nppo-certificates", json={"economy": "VN", "certificate_pem": th_key})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "economy"
        r = admin.post("/api/v1/certificates/nppo-certificates", json={"economy": "TH", "certificate_pem": "x" * 200})
        assert r.status_code == 422
    with keys.client(keys.create("nppo", "AU", "NPPO-AU")) as au:
        assert au.post("/api/v1/certificates/nppo-certificates",
                       json={"economy": "TH", "certificate_pem": th_key}).status_code == 403


def test_import_a_signed_xml_made_elsewhere_keeps_its_signature(db, server, keys, th_key):
    from clearway.certificates import builder, nppo
    from clearway.certificates.schemas import EPhytoIn
    from clearway.db import transaction

    with transaction(db.factory) as session:
        pair = nppo.signing_key(session, economy="TH")
    made = builder.to_bytes(signing.sign(builder.build(EPhytoIn.model_validate(ephyto(number="EXT-1"))), pair))
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        r = th.post("/api/v1/certificates/ephyto", content=made, headers=XML)
        assert r.status_code == 201, r.text
        stored = th.get("/api/v1/certificates/ephyto/EXT-1/xml").content
        assert stored.count(b"<ds:SignatureValue>") == 1
        signing.verify(stored, th_key)
        assert th.post("/api/v1/certificates/ephyto", content=made, headers=XML).status_code == 200
