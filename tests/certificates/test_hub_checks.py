"""The hub's checks before ValidateAndDeliverEnvelope delivers (pure: no database, no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clearway.certificates import builder, hub_checks
from clearway.certificates.schemas import EPhytoIn
from clearway.certificates.soap import Envelope, SoapFault
from tests.certificates.factories import ephyto, sample

CERT = builder.to_bytes(builder.build(EPhytoIn.model_validate(ephyto()), now=datetime(2026, 11, 20, tzinfo=UTC)))


def _env(**changes) -> Envelope:
    fields = {"From": "TH", "To": "AU", "CertificateType": 851, "CertificateStatus": 70,
              "NPPOCertificateNumber": "TH2026-000123", "Content": CERT.decode(), **changes}
    return Envelope(**fields)


def test_a_valid_certificate_that_agrees_with_its_header_passes():
    env = _env()
    assert hub_checks.validated(env) is env


@pytest.mark.parametrize("change,words", [
    ({"NPPOCertificateNumber": "TH-OTHER"}, "NPPOCertificateNumber: the envelope says 'TH-OTHER', the certificate's "
                                            "SPSExchangedDocument/ID says 'TH2026-000123'"),
    ({"CertificateType": 657}, "CertificateType: the envelope says '657', the certificate's TypeCode says '851'"),
    ({"CertificateStatus": 40}, "CertificateStatus: the envelope says '40', the certificate's StatusCode says '70'"),
    ({"From": "VN"}, "From: the envelope says 'VN', the certificate's ExportSPSCountry/ID says 'TH'"),
    ({"To": "NZ"}, "To: the envelope says 'NZ', the certificate's ImportSPSCountry/ID says 'AU'"),
])
def test_a_header_the_certificate_contradicts_is_refused_naming_the_field(change, words):
    with pytest.raises(SoapFault) as refused:
        hub_checks.validated(_env(**change))
    assert words.replace("SPSExchangedDocument/", "") in refused.value.message


def test_an_invalid_published_sample_is_refused_with_its_first_problems():
    # Mattilsynet's test ePhyto (tests/certificates/data/SOURCE.md), which the 17p0 schema rejects.
    with pytest.raises(SoapFault) as refused:
        hub_checks.validated(_env(Content=sample("mattilsynet-SPSCertificateContent.xml").decode()))
    assert refused.value.message.startswith(
        "the certificate does not validate: /SPSCertificate/SPSExchangedDocument/ReferenceSPSReferencedDocument[1]: "
        "Element 'ram:ReferenceSPSReferencedDocument': This element is not expected.")


def test_validation_results_name_area_field_and_level():
    rows = hub_checks.validation_results(sample("mattilsynet-SPSCertificateContent.xml"))
    assert rows[0]["level"] == "SEVERE" and rows[0]["area"] == "Schema" and rows[0]["field"].startswith("/SPSCertificate")
    assert [r["area"] for r in hub_checks.validation_results("<not-xml")] == ["Schema"]


@pytest.mark.parametrize("code,area", [("schema", "Schema"), ("xml", "Schema"), ("ephyto.number", "MandatoryElements"),
                                       ("ephyto.hs", "MandatoryElements"), ("ephyto.unsigned", "Mapping")])
def test_findings_are_filed_under_the_wsdl_areas(code, area):
    assert hub_checks.area(code) == area
