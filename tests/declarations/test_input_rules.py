"""Text the API takes and the date filters (issue 9): control and bidirectional-override characters are
refused with the field's path, tab and line breaks only in free-text fields; a plain date is a
date filter too."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from clearway.declarations.schemas import DeclarationIn
from clearway.errors import Invalid
from clearway import validation
from clearway.validation import parse, range_end, range_start, text_problem
from tests.support import example

DECLARANT = "AU-ABN-11222333444"


def doc(**changes) -> dict:
    d = copy.deepcopy(example("tariff-au-tshirts.json"))
    d.update(changes)
    return d


@pytest.mark.parametrize("text,multiline,words", [
    ("Cotton\x00T-shirts", True, "U+0000 (NUL) at character 7"),
    ("Acme\x1b[31m", False, "U+001B (escape) at character 5"),
    ("abc\u202egnp.exe", False, "U+202E (right-to-left override) at character 4"),
    ("\u2066isolate", True, "U+2066 (left-to-right isolate) at character 1"),
    ("C1\x85control", True, "U+0085 (control character) at character 3"),
    ("LRN\n2", False, "U+000A (line feed) at character 4: this field is a single line"),
    ("LRN\t2", False, "U+0009 (tab) at character 4: this field is a single line"),
])
def test_refused_characters_are_named_with_their_place(text, multiline, words):
    assert words in text_problem(text, multiline=multiline)


@pytest.mark.parametrize("text,multiline", [
    ("Cotton T-shirts\nknitted,\tsize M\r\n", True), ("Ōtautahi 東京 القاهرة", False),
    ("Arabic mark\u200f (RLM) is ordinary text", False),
])
def test_ordinary_text_passes(text, multiline):
    assert text_problem(text, multiline=multiline) is None


def test_parse_names_the_path_of_refused_text():
    bad = doc()
    bad["items"][0]["description"] = "T-shirts\x00"
    bad["declarant"]["name"] = "Acme\u202eBrokers"
    with pytest.raises(Invalid) as refused:
        parse(DeclarationIn, bad)
    assert {e.path for e in refused.value.errors} == {"items[0].description", "declarant.name"}


def test_the_api_refuses_control_and_bidi_characters_in_any_text_with_its_path(db, http, keys):
    trader = keys.client(keys.create("declarant", "AU", DECLARANT))
    officer = keys.client(keys.create("officer", "AU"))
    bad = doc()
    bad["items"][0]["description"] = "Cotton\x00T-shirts"
    bad["exporter"]["name"] = "Dhaka \u202eKnit"
    r = trader.post("/api/v1/declarations", json=bad)
    assert r.status_code == 422, r.text
    assert {e["path"]: e["reason"].split(" at ")[0] for e in r.json()["errors"]} == {
        "items[0].description": "contains U+0000 (NUL)", "exporter.name": "contains U+202E (right-to-left override)"}
    r = trader.post("/api/v1/declarations", json=doc(lrn="TEE\n0001"))
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "lrn"
    assert "single line" in r.json()["errors"][0]["reason"]
    # other domains' bodies, query strings and form fields are held to the same rule
    r = officer.post("/api/v1/risk/rules", json={"code": "X1", "name": "Knit\x07", "action": "red",
                                                 "conditions": [{"field": "origin", "op": "eq", "value": "BD"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "name"
    r = trader.get("/api/v1/declarations", params={"office": "AU\u202eSYD"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "office"
    r = trader.post("/api/v1/consignments/bulk", content="parcel,value\nP1\x00,10\n".encode(),
                    headers={"Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "line 2"
    assert trader.get("/api/v1/declarations").json()["items"] == []  # nothing was stored
    # free text may run over lines: a description with a line break is taken
    ok = doc()
    ok["items"][0]["description"] = "Cotton T-shirts\nknitted, assorted sizes"
    assert trader.post("/api/v1/declarations", json=ok).status_code == 201
    trader.close()
    officer.close()


def test_a_plain_date_is_a_day_at_either_end_of_a_range():
    day = date(2026, 11, 28)
    assert range_start(day) == datetime(2026, 11, 28, tzinfo=UTC)
    assert range_end(day) == datetime(2026, 11, 29, tzinfo=UTC)  # exclusive: the whole 28th is in
    moment = datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert range_start(moment) == moment == range_end(moment)


def test_date_filters_take_a_plain_date_or_a_full_timestamp(db, http, keys):
    trader = keys.client(keys.create("declarant", "AU", DECLARANT))
    lodged = trader.post("/api/v1/declarations", json=doc()).json()
    mrn = lodged["mrn"]
    at = datetime.fromisoformat(lodged["accepted_at"])  # the server's clock, not the test's
    day, before, after = at.date(), at.date() - timedelta(days=1), at.date() + timedelta(days=1)

    def listed(**params) -> list[str]:
        r = trader.get("/api/v1/declarations", params=params)
        assert r.status_code == 200, r.text
        return [d["id"] for d in r.json()["items"]]

    assert listed(accepted_from=day.isoformat()) == [mrn]
    assert listed(accepted_to=day.isoformat()) == [mrn]  # the whole day, up to 24:00 UTC
    assert listed(accepted_from=day.isoformat(), accepted_to=day.isoformat()) == [mrn]
    assert listed(accepted_to=before.isoformat()) == [] and listed(accepted_from=after.isoformat()) == []
    assert listed(accepted_from=(at - timedelta(seconds=1)).isoformat()) == [mrn]
    assert listed(accepted_from=(at + timedelta(seconds=1)).isoformat()) == []
    for value, words in (("2026-02-30", "is not a date"), ("2026-11-28T10:00:00", "has no timezone"),
                         ("yesterday", "is not a date")):
        r = trader.get("/api/v1/declarations", params={"accepted_from": value})
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "query.accepted_from", r.text
        assert words in r.json()["errors"][0]["reason"]
    trader.close()


def _walked(data):  # text_errors without its shortcuts: every text, field by field
    return validation._walk(data, "", False)


@pytest.mark.parametrize("ch", sorted({chr(c) for c in [*range(0x00, 0x20), *range(0x7f, 0xa0), *range(0x202a, 0x202f),
                                                         *range(0x2066, 0x206a), 0x2028, 0x2029]}))
def test_the_json_shortcut_of_the_text_scan_finds_every_refused_character_in_keys_and_values(ch):
    for data in ({"a": {"b": [f"x{ch}y"]}}, {f"k{ch}": "v"}, [1, {"n": None, "t": f'"\\{ch}'}], f"{ch}"):
        assert validation.text_errors(data) == _walked(data) != []
    assert not validation._clean_json({"a": [f"x{ch}"]})


@pytest.mark.parametrize("data, told", [({"é": "naïve ✓ 日本", "n": [1, 2.5, True, None]}, True),
                                        ({"a": 'quoted " and back\\slash'}, False), ({"a": "\ud800"}, False),
                                        ({1: "x"}, False), ({"big": 10**30}, False)])
def test_the_json_shortcut_of_the_text_scan_passes_only_what_the_walk_passes(data, told):
    assert validation.text_errors(data) == _walked(data) == []
    assert validation._clean_json(data) is told  # otherwise the texts are gathered and scanned as before
