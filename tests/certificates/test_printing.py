"""The summary keeps the means of conveyance and the units of durations; the printable view shows dates,
conveyance and measures in words. Real certificates: the CAN sample (agrocalidadaws/intercom) and the
Norwegian test certificate (Mattilsynet/ephyto-api), see tests/certificates/data/SOURCE.md."""

from __future__ import annotations

import pytest

from clearway.certificates import builder, printing, schema, sps
from clearway.certificates.schemas import EPhytoIn
from tests.certificates.factories import ephyto, sample


def summary_of(name: str) -> dict:
    return sps.summary(schema.check(sample(name))[1].getroot())


def test_the_summary_keeps_the_mode_of_transport_of_every_movement():
    assert summary_of("SPSCertificate.xml")["transport"] == [
        {"mode_code": "7", "mode": "Fixed transport installations", "means": "Ocean Freight"}]
    assert summary_of("mattilsynet-SPSCertificateContent.xml")["transport"] == [
        {"mode_code": "3", "mode": "Road transport", "means": None},
        {"mode_code": "1", "mode": "Maritime transport", "means": "Ocean Vessel: Black Pearl"}]
    built = sps.summary(builder.build(EPhytoIn.model_validate(ephyto())))
    assert built["transport"] == [{"mode_code": "1", "mode": "Maritime transport", "means": "MV Mekong Star"}]


def test_the_summary_keeps_the_unit_of_a_treatment_duration():
    [treatment] = summary_of("SPSCertificate.xml")["items"][0]["treatments"]
    assert (treatment["duration"], treatment["duration_unit"]) == ("3", "HUR")
    norwegian = summary_of("mattilsynet-SPSCertificateContent.xml")["items"][0]["treatments"][0]
    assert (norwegian["duration"], norwegian["duration_unit"]) == ("3.0000", "HUR")


@pytest.mark.parametrize("value, words", [
    ("2026-11-20T08:00:00Z", "20 November 2026, 08:00 UTC"),
    ("2016-04-22T13:53:08-03:00", "22 April 2016, 16:53 UTC"),
    ("2016-04-12", "12 April 2016"),
    ("2026-11-20T08:00:00", "20 November 2026, 08:00 (no time zone given)"),
    ("last Tuesday", "last Tuesday"),
    (None, ""),
])
def test_dates_are_printed_in_words(value, words):
    assert printing.date_text(value) == words


@pytest.mark.parametrize("value, unit, words", [
    ("3", "HUR", "3 hours"), ("3.0000", "HUR", "3 hours"), ("1", "HUR", "1 hour"), ("90", "MIN", "90 minutes"),
    ("2", "DAY", "2 days"), ("5", "XYZ", "5 XYZ"), ("3", None, "3 (unit not stated)"), (None, "HUR", ""),
])
def test_durations_are_printed_with_their_unit(value, unit, words):
    assert printing.duration_text(value, unit) == words


@pytest.mark.parametrize("value, words", [("32.0000 CEL", "32 °C"), ("2.5 KX", "2.5 KX"), ("Fludioxonil", "Fludioxonil"),
                                          (None, "")])
def test_measures_are_printed_with_their_unit(value, words):
    assert printing.measure_text(value) == words


def test_conveyance_names_the_mode_and_the_means():
    assert printing.conveyance_text(summary_of("mattilsynet-SPSCertificateContent.xml")) == \
        "Road transport; Maritime transport: Ocean Vessel: Black Pearl"
    assert printing.conveyance_text({"conveyance": "MV Old Summary"}) == "MV Old Summary"


def test_the_printable_view_shows_conveyance_dates_and_durations_in_words(db, server, keys, th_key, http):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        cert = th.post("/api/v1/certificates/ephyto", json=ephyto(issued_at="2026-11-21T02:30:00Z")).json()
    page = http.get(f"/certificates/print/{cert['verification_code']}").text
    for words in ("Maritime transport: MV Mekong Star", "on 21 November 2026, 02:30 UTC", "<td>3 hours</td>",
                  "<td>25 °C</td>", "<td>20 November 2026, 08:00 UTC</td>"):
        assert words in page, words
    assert "2026-11-20T08:00:00Z" not in page and "2026-11-21T02:30:00Z" not in page
