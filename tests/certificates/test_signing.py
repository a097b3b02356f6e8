"""XML-DSig: the shared signed sample, our own signatures, and altered bytes (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from clearway.certificates import builder, schema, signing, sps
from clearway.certificates.schemas import EPhytoIn
from tests.certificates.factories import ephyto, sample

SIGNED = sample("SPSCertificate-signed.xml")
WHILE_VALID = datetime(2025, 1, 1, tzinfo=timezone.utc)


def sample_cert() -> bytes:
    return signing.embedded_certificate(etree.fromstring(SIGNED))


def test_the_shared_signed_sample_verifies_while_its_certificate_was_valid():
    signing.verify(SIGNED, sample_cert(), at=WHILE_VALID)


def test_the_shared_signed_sample_is_refused_now_its_certificate_expired():
    with pytest.raises(signing.SignatureRefused, match="expired"):
        signing.verify(SIGNED, sample_cert())


@pytest.mark.parametrize("old, new", [
    (b"<ram:TypeCode>851</ram:TypeCode>", b"<ram:TypeCode>657</ram:TypeCode>"),
    (b"Importer LLC", b"Importer LLD"),
    (b"<ram:NetWeightMeasure>1000<", b"<ram:NetWeightMeasure>1001<"),
    (b"Ug2hCClmDk1trnhU", b"Ug2hCClmDk1trnhV"),  # the signature value itself
])
def test_altering_a_signed_byte_fails(old, new):
    assert old in SIGNED
    with pytest.raises(signing.SignatureRefused):
        signing.verify(SIGNED.replace(old, new, 1), sample_cert(), at=WHILE_VALID)


def test_every_single_byte_flip_in_the_signed_content_fails():
    start, end = SIGNED.index(b"<rsm:SPSExchangedDocument>"), SIGNED.index(b"<ds:Signature>")
    for pos in range(start + 30, end, (end - start) // 40):
        ch = SIGNED[pos:pos + 1]
        if not ch.isalnum():
            continue
        flipped = SIGNED[:pos] + (b"X" if ch != b"X" else b"Y") + SIGNED[pos + 1:]
        with pytest.raises(signing.SignatureRefused):
            signing.verify(flipped, sample_cert(), at=WHILE_VALID)


@pytest.fixture(scope="module")
def pair():
    return signing.new_key_pair(economy="TH", party="NPPO-TH")


def test_our_signature_is_enveloped_rsa_sha256_exclusive_c14n_and_schema_valid(pair):
    root = signing.sign(builder.build(EPhytoIn.model_validate(ephyto())), pair)
    xml = builder.to_bytes(root)
    sig = root[-1]
    assert sig.tag == sps.q("ds:Signature")
    ns = {"ds": sps.DS}
    assert sig.xpath("ds:SignedInfo/ds:SignatureMethod/@Algorithm", namespaces=ns) == [
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
    assert sig.xpath("ds:SignedInfo/ds:CanonicalizationMethod/@Algorithm", namespaces=ns) == [
        "http://www.w3.org/2001/10/xml-exc-c14n#"]
    assert "http://www.w3.org/2000/09/xmldsig#enveloped-signature" in sig.xpath(
        "ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform/@Algorithm", namespaces=ns)
    assert schema.severe(schema.check(xml)[0]) == []
    signing.verify(xml, pair.cert_pem)
    with pytest.raises(signing.SignatureRefused):
        signing.verify(xml.replace(b"Garcinia", b"Garcinja"), pair.cert_pem)


def test_another_nppos_certificate_does_not_verify(pair):
    xml = builder.to_bytes(signing.sign(builder.build(EPhytoIn.model_validate(ephyto())), pair))
    other = signing.new_key_pair(economy="TH", party="NPPO-TH")
    with pytest.raises(signing.SignatureRefused, match="does not verify"):
        signing.verify(xml, other.cert_pem)


def test_an_expired_signing_certificate_is_refused():
    old = signing.new_key_pair(economy="TH", party="NPPO-TH", days=1,
                               now=datetime.now(timezone.utc) - timedelta(days=10))
    xml = builder.to_bytes(signing.sign(builder.build(EPhytoIn.model_validate(ephyto())), old))
    with pytest.raises(signing.SignatureRefused, match="expired"):
        signing.verify(xml, old.cert_pem)


def test_an_unsigned_certificate_is_refused(pair):
    with pytest.raises(signing.SignatureRefused, match="not signed"):
        signing.verify(sample("SPSCertificate.xml"), pair.cert_pem)


def test_verification_code_is_stable_and_short():
    code = signing.verification_code(b"abc")
    assert code == signing.verification_code(b"abc") != signing.verification_code(b"abd")
    assert len(code.replace("-", "")) == 16
