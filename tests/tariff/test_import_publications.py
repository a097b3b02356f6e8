"""The importers on the real publications, as gathered in /work/shared/data/tariffs/full (each folder's
SOURCE.md names the repository, commit and licence). Skipped, with the reason, where that folder is absent;
the shipped files derived from them are tested in test_import_shipped.py without it."""

from pathlib import Path

import pytest

from clearway.tariff import importers

FULL = Path("/work/shared/data/tariffs/full")
pytestmark = pytest.mark.skipif(not FULL.is_dir(), reason=f"{FULL} (the gathered publications) is not on this machine")


@pytest.fixture(scope="module")
def jp():
    return importers.read("jp-customs", FULL / "JP" / "tariffdata")


@pytest.fixture(scope="module")
def us():
    return importers.read("us-hts-csv", FULL / "US" / "htsdata.csv")


def by_code(got, code, type_="mfn"):
    return [m for m in got.measures if m["code"] == code and m["type"] == type_]


def test_japan_reads_every_coded_line_and_states_the_applied_rate(jp):
    # 9,959 leaves in the files, of which 306 are description rows without a statistical code or rate
    assert jp.lines == 9653
    kiwi = by_code(jp, "081050000")[0]  # 0810.50-000 キウイフルーツ: general 8%, WTO 6.4%
    assert kiwi["rate"] == "6.4%" and "lower of general" in kiwi["legal_basis"]
    assert "キウイフルーツ" in kiwi["description"] and kiwi["note"] == "published: 基本 8%; 暫定 -; WTO協定 6.4%"
    assert "customs.go.jp/tariff/2026_07_09/data/j_08.htm" in kiwi["source"]
    assert by_code(jp, "020311020")[0]["rate"] == "361 JPY/kg"  # temporary rate of 0203.11-020


def test_japan_refuses_gate_price_lines_by_code_and_text_never_zero(jp):
    pork = [r for r in jp.refused if r.code == "0203.11-031" and r.column == "MFN"]
    assert len(pork) == 1 and "基準輸入価格" in pork[0].text and "gate-price" in pork[0].reason
    assert by_code(jp, "020311031") == [] and "020311031" in jp.document()["unrated_lines"]
    for m in jp.measures:  # a Free rate only where the publication says free
        if m["rate"] == "Free":
            assert "無税" in m["note"] or "免税" in m["note"], m


def test_japan_preferences_carry_their_partners(jp):
    kiwi = {p["agreement"]: p for p in by_code(jp, "081050000", "preference") + by_code(jp, "081050", "preference")}
    assert kiwi["CPTPP"]["rate"] == "Free" and "NZ" in kiwi["CPTPP"]["origins"] and "JP" not in kiwi["CPTPP"]["origins"]
    assert kiwi["JP-AU EPA"]["origins"] == ["AU"]
    assert any(s.column == "特恵" for s in jp.skipped)  # GSP: beneficiaries not in the file


def test_us_reads_eight_digit_lines_and_programme_codes(us):
    milk = by_code(us, "0402999000")[0]  # 0402.99.90.00: rate first stated on the 10-digit line
    assert milk["rate"] == "0.463 USD/kg + 14.9%" and milk["note"] == "published: 46.3¢/kg + 14.9%"
    assert milk["description"].endswith("/ Other") and "column 1 General" in milk["legal_basis"]
    prefs = {p["agreement"]: p for p in by_code(us, "0402999000", "preference")}
    assert prefs["KORUS"]["rate"] == "Free" and prefs["US-PA TPA"]["rate"] == "0.03 USD/kg + 0.9%"
    assert "AUSFTA" not in prefs  # "See 9822.04.25 (AU)": on a chapter 98 line, reported
    assert any(s.code.startswith("9903.01") for s in us.skipped)  # chapter 99 is not HS
    drained = [r for r in us.refused if r.code == "0711.20.18.00"]
    assert drained and drained[0].text == "3.7¢/kg on drained weight"


def test_new_zealand_2017_lines_brought_to_2022_or_reported():
    nz = importers.read("nz-rates-xlsx", FULL / "NZ" / "Tariff_Rates_May2021_v1.xlsx")
    assert nz.lines == 7934
    moved = {s.code: s.reason for s in nz.skipped if s.column == "HS 2017->2022"}
    assert len(moved) == 402 and nz.notes == ["402 HS 2017 lines need a correlation to HS 2022 (listed as skipped)"]
    # from the WTD 2022 correlation table: 0305.10.00 (fish meal) became 0309.10.00
    assert moved["0305.10.00"] == "needs a correlation: amended on 2022-01-01: now 0309.10.00"
    assert "0208.90.00" in moved and "0410.10.05" in moved["0208.90.00"]
    assert by_code(nz, "01012100")[0]["rate"] == "Free"  # unchanged items keep their code
    parts = [r for r in nz.refused if r.code == "4016.99.79" and r.column == "NML"]
    assert parts and parts[0].text == "Parts"


def test_australia_stages_become_dated_measures():
    au = importers.read("au-schedule3-json", FULL / "AU" / "tariff-schedule3.json")
    staged = sorted(by_code(au, "95045090"), key=lambda m: m.get("valid_from") or "")
    assert [(m["rate"], m.get("valid_from"), m.get("valid_to")) for m in staged] == [
        ("5%", None, "2018-06-30"), ("3.75%", "2018-07-01", "2019-06-30"), ("Free", "2019-07-01", None)]
    pref = {p["agreement"] for p in by_code(au, "07095200", "preference")}
    assert not pref and any(s.code == "0709.52.00" and s.column == "DCS" for s in au.skipped)
    fi = [p for p in by_code(au, "27071000", "preference") if p["agreement"] == "FI"][0]
    assert fi["rate"] == "0.526 AUD/l" and "FJ" in fi["origins"] and "CN" not in fi["origins"]


def test_chile_mfn_and_special_headings():
    cl = importers.read("cl-arancel-json", FULL / "CL" / "arancel_aduanero_2022_version_publicada_sitio_web.json")
    assert cl.lines == 8797 and not cl.refused
    assert {s.code[:2] for s in cl.skipped} == {"00"} and len(cl.skipped) == 66
    assert by_code(cl, "01012100")[0]["rate"] == "6%"


def test_every_format_is_listed_and_unknown_ones_refused():
    assert set(importers.FORMATS) == {"jp-customs", "us-hts-csv", "nz-rates-xlsx", "au-schedule3-json",
                                      "cl-arancel-json", "clearway-packed"}
    with pytest.raises(KeyError):
        importers.read("xx", FULL)
