"""The pure parts, as tables: the DEC profile file, the code lists in the JSON form, the parser's limits."""

from __future__ import annotations

import copy

import pytest

from clearway import xmlsafe
from clearway.declarations import codes, core
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import Invalid
from clearway.validation import parse
from clearway.wco.profile import ProfileError, uk_example
from clearway.wco.profile import parse as parse_profile
from tests.support import example

UK = uk_example()


@pytest.mark.parametrize("national,word", [("GBLBA001", "AUSYD"), ("gb000051", "AUMEL"), ("XX000000", None)])
def test_the_uk_profile_maps_offices(national, word):
    assert UK.office(national) == word


@pytest.mark.parametrize("code,word,back", [
    ("N935", "invoice", ("N", "935", None)),    # CDS: invoice on which the customs value is declared
    ("C501", "c501", ("C", "501", None)),       # unlisted: passes through, and back
    ("9104", "9104", ("9", "104", None)),
])
def test_document_codes_map_both_ways(code, word, back):
    assert UK.document(code) == word and UK.national_document(word) == back


def test_a_word_without_a_national_code_travels_in_the_document_name():
    assert UK.national_document("packing_list") == (None, "271", None)  # UN/EDIFACT 1001
    assert UK.national_document("veterinary_certificate") == (None, "ZZZ", "veterinary_certificate")
    assert UK.document("ZZZ", "Veterinary_Certificate") == "veterinary_certificate"


@pytest.mark.parametrize("text,words", [
    ("[profile]\nname='x'\n[installation]\neconomy='AUS'", "two-letter economy"),
    ("[installation]\neconomy='AU'", "[profile] name is missing"),
    ("[profile]\nname='x'\n[installation]\neconomy='AU'\n[declaration_types]\nIM='importation'",
     "must be import, export or transit"),
    ("[profile]\nname='x'\n[installation]\neconomy='AU'\n[offices]\nGB1=3", "[offices] must be a table of strings"),
    ("[profile", "not TOML"),
])
def test_a_broken_profile_is_refused_naming_the_key(text, words):
    with pytest.raises(ProfileError, match=words.replace("[", r"\[").replace("]", r"\]")):
        parse_profile(text, source="p.toml")


def _decl(**changes) -> dict:
    doc = copy.deepcopy(example("declaration-au-oranges.json"))
    for path, value in changes.items():
        target = doc
        *head, last = path.split("__")
        for part in head:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return doc


@pytest.mark.parametrize("path,code,stored", [
    ("transport__mode", "1", "sea"), ("transport__mode", 4, "air"), ("transport__mode", "8", "inland_waterway"),
    ("documents__0__type", "851", "ephyto"), ("documents__0__type", "380", "invoice"),
    ("items__0__package_type", "ct", "CT"), ("items__0__package_type", "Bag, super bulk", "43"),
])
def test_the_json_form_takes_the_code_lists_codes_beside_the_words(path, code, stored):
    decl = parse(DeclarationIn, _decl(**{path: code}))
    value = decl.model_dump()
    for part in path.split("__"):
        value = value[int(part)] if part.isdigit() else value[part]
    assert value == stored


@pytest.mark.parametrize("path,code,words", [
    ("transport__mode", "0", "transport.mode"), ("transport__mode", "9", "transport.mode"),
    ("items__0__package_type", "0Z", "not a UN/ECE Rec 21 package type code"),
])
def test_codes_that_name_nothing_are_refused(path, code, words):
    with pytest.raises(Invalid) as refused:
        parse(DeclarationIn, _decl(**{path: code}))
    assert any(words in f"{e.path} {e.reason}" for e in refused.value.errors)


def test_the_parser_refuses_documents_nested_too_deep_naming_the_line():
    with pytest.raises(xmlsafe.XmlRefused, match="nests 65 levels deep, over the limit of 64"):
        xmlsafe.parse("<a>\n" * 65 + "</a>" * 65)
    assert xmlsafe.parse("<a>" * 64 + "</a>" * 64).getroot().tag == "a"


def test_answers_carry_each_code_beside_the_word_it_is_stored_as():
    doc = _decl(**{"transport__mode": "4", "items__0__unit": "kg", "items__0__package_type": "ct"})
    doc["items"].append({**doc["items"][0], "unit": "NAR"})
    doc["items"].append({**doc["items"][0], "unit": "bottles"})
    doc["documents"] += [{"type": "380", "reference": "INV-1"}, {"type": "quarantine_permit", "reference": "Q-1"}]
    stored = core.content(parse(DeclarationIn, doc))
    assert "mode_code" not in stored["transport"] and "unit_code" not in stored["items"][0]  # derived, not stored
    answered = codes.with_codes(stored)
    assert (answered["transport"]["mode"], answered["transport"]["mode_code"]) == ("air", "4")
    assert [(i["unit"], i["unit_code"], i["package_type"]) for i in answered["items"]] == [
        ("kg", "KGM", "CT"), ("NAR", "NAR", "CT"), ("bottles", None, "CT")]
    assert [(d["type"], d["type_code"]) for d in answered["documents"]] == [
        ("ephyto", "851"), ("invoice", "380"), ("quarantine_permit", None)]
    # An answer lodged again is the same declaration: the codes agree with the words and are not stored.
    assert core.content(parse(DeclarationIn, answered)) == stored


@pytest.mark.parametrize("path,code,words", [
    ("transport__mode_code", "4", "mode_code '4' does not say what mode 'sea' says"),
    ("items__0__unit_code", "LTR", "unit_code 'LTR' does not say what unit 'kg' says"),
    ("documents__0__type_code", "380", "type_code '380' does not say what type 'ephyto' says"),
])
def test_a_code_sent_back_that_contradicts_its_word_is_refused(path, code, words):
    with pytest.raises(Invalid) as refused:
        parse(DeclarationIn, _decl(**{path: code}))
    assert any(words in e.reason for e in refused.value.errors), refused.value.errors
