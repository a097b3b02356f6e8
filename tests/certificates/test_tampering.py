"""A signed ePhyto altered where its signature does not look: comments and processing instructions.

Exclusive canonicalisation (what the digest covers) drops comments, so `<ram:ID>TH-HUB-EAB3E<!---->-77</ram:ID>`
still verifies; a reader that stops at the element's first child node would see `TH-HUB-EAB3E`, a number never
issued. Every path must read from what the signature covers and refuse such a document: the signature check
itself (pure), the XML import, the hub receipt and the clearance match that follows it."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import func, select

from clearway.certificates import builder, nppo, receiving, schema, signing, sps
from clearway.certificates.models import Certificate, Receipt
from clearway.certificates.schemas import EPhytoIn
from clearway.controls import service as controls
from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.schemas import DeclarationIn
from clearway.flows import ephyto_check
from tests.certificates.factories import ephyto
from tests.certificates.factories import DECLARATION

NUMBER = "TH-HUB-EAB3E-77"
ID = f"<ram:ID>{NUMBER}</ram:ID>".encode()
CUTS = {
    "comment": b"<ram:ID>TH-HUB-EAB3E<!---->-77</ram:ID>",
    "processing instruction": b"<ram:ID>TH-HUB-EAB3E<?x y?>-77</ram:ID>",
}
NAME = b"<ram:Name>Oz Fruit Importers Pty Ltd</ram:Name>"
NAME_CUT = b"<ram:Name>Oz Fruit<!-- Importers -->Importers Pty Ltd</ram:Name>"
XML = {"Content-Type": "application/xml"}


@pytest.fixture(scope="module")
def pair():
    return signing.new_key_pair(economy="TH", party="NPPO-TH")


def signed(pair, **changes) -> bytes:
    return builder.to_bytes(signing.sign(builder.build(EPhytoIn.model_validate(ephyto(number=NUMBER, **changes))),
                                         pair))


def cut(xml: bytes, old: bytes = ID, new: bytes = CUTS["comment"]) -> bytes:
    assert xml.count(old) >= 1
    return xml.replace(old, new, 1)


def test_the_signed_content_is_what_verify_returns_and_what_is_read(pair):
    content = signing.verify(signed(pair), pair.cert_pem)
    assert content.find(sps.q("ds:Signature")) is None
    s = sps.summary(content, signed=True)
    assert (s["number"], s["consignee"]["name"], s["signed"]) == (NUMBER, "Oz Fruit Importers Pty Ltd", True)


@pytest.mark.parametrize("kind", sorted(CUTS))
def test_a_comment_or_instruction_inside_a_signed_number_is_refused(pair, kind):
    with pytest.raises(signing.SignatureRefused, match=f"carries a {kind} at line"):
        signing.verify(cut(signed(pair), new=CUTS[kind]), pair.cert_pem)


def test_a_comment_anywhere_in_a_signed_certificate_is_refused(pair):
    for tampered in (cut(signed(pair), NAME, NAME_CUT), b"<!-- before -->" + signed(pair).split(b"?>", 1)[1],
                     signed(pair) + b"<!-- after -->"):
        with pytest.raises(signing.SignatureRefused, match="comment"):
            signing.verify(tampered, pair.cert_pem)


def test_validation_grades_a_comment_severe_when_signed_and_info_when_not(pair):
    findings, _ = schema.check(cut(signed(pair)))
    assert [(f.code, f.line) for f in schema.severe(findings)] == [("xml.comment", 2)]
    unsigned = builder.to_bytes(builder.build(EPhytoIn.model_validate(ephyto(number=NUMBER))))
    findings, _ = schema.check(cut(unsigned))
    assert schema.severe(findings) == [] and [f.level for f in findings if f.code == "xml.comment"] == ["INFO"]


def test_the_summary_reads_the_whole_text_of_an_element():
    root = builder.build(EPhytoIn.model_validate(ephyto(number=NUMBER)))
    tree = etree.fromstring(cut(builder.to_bytes(root), NAME, NAME_CUT))
    s = sps.summary(tree)
    assert s["consignee"]["name"] == "Oz FruitImporters Pty Ltd"
    assert sps.summary(etree.fromstring(cut(builder.to_bytes(root))))["number"] == NUMBER


def _count(db, model) -> int:
    with db.factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_import_refuses_a_signed_certificate_with_a_comment_and_stores_nothing(db, server, keys, th_key):
    with transaction(db.factory) as session:
        own = nppo.signing_key(session, economy="TH")
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        r = th.post("/api/v1/certificates/ephyto", content=cut(signed(own)), headers=XML)
        assert r.status_code == 422, r.text
        assert "signature does not cover comments" in r.text
        assert th.get("/api/v1/certificates/ephyto/TH-HUB-EAB3E").status_code == 404
    assert _count(db, Certificate) == 0


def test_import_of_an_unsigned_certificate_drops_its_comments_before_signing(db, server, keys, th_key):
    unsigned = builder.to_bytes(builder.build(EPhytoIn.model_validate(ephyto(number=NUMBER))))
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        r = th.post("/api/v1/certificates/ephyto", content=cut(unsigned), headers=XML)
        assert r.status_code == 201, r.text
        assert r.json()["number"] == NUMBER
        stored = th.get(f"/api/v1/certificates/ephyto/{NUMBER}/xml").content
    assert b"<!--" not in stored and ID in stored
    assert sps.summary(signing.verify(stored, th_key), signed=True)["number"] == NUMBER


def _receive(db, content: bytes, *, number: str, delivery: str) -> receiving.Received:
    with transaction(db.factory) as session:
        return receiving.receive(session, economy="AU", delivery_number=delivery, sender="TH", to="AU", number=number,
                               status_code=70, content=content.decode())


@pytest.fixture
def au(db, keys, pair):
    with transaction(db.factory) as session:
        nppo.trust(session, economy="TH", cert_pem=pair.cert_pem.decode(), actor="test")
    return keys.principal("declarant", "AU", "AU-ABN-51824753556")


@pytest.mark.parametrize("kind", sorted(CUTS))
def test_the_hub_receipt_refuses_a_cut_number_and_a_declaration_citing_it_gets_a_finding(db, pair, au, kind):
    got = _receive(db, cut(signed(pair), new=CUTS[kind]), number="TH-HUB-EAB3E", delivery="d-1")
    assert got.outcome == "refused" and got.certificate is None
    assert kind in got.reason, got.reason
    assert _count(db, Certificate) == 0 and _count(db, Receipt) == 1
    invented = dict(DECLARATION, documents=[{"type": "ephyto", "reference": "TH-HUB-EAB3E"}])
    with transaction(db.factory) as session:
        row, _ = declarations.lodge(session, principal=au, decl=DeclarationIn.model_validate(invented))
        result = ephyto_check.check_declaration(session, row=row, actor="test")
    assert result.outcome == "finding"
    with db.factory() as session:
        [finding] = controls.open_findings(session, declaration_id=row.id)
    assert (finding.code, finding.lane) == ("ephyto.missing", "yellow")
    assert "TH-HUB-EAB3E has not been received by AU" in finding.reason


def test_the_hub_receipt_stores_what_the_signature_covers(db, pair, au):
    got = _receive(db, signed(pair), number=NUMBER, delivery="d-2")
    assert got.outcome == "accepted", got.reason
    assert (got.certificate.number, got.certificate.summary["number"]) == (NUMBER, NUMBER)
    assert got.certificate.summary["signed"] is True
