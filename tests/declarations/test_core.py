"""The pure rules of the declaration: reference checks, lifecycle, MRN, fingerprints, amendments."""

import copy
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearway.declarations import core
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import Invalid
from clearway.validation import parse

BASE = json.loads((Path(__file__).parents[2] / "examples" / "declaration-au-oranges.json").read_text())


def errors_of(doc) -> dict[str, str]:
    try:
        decl = parse(DeclarationIn, doc)
    except Invalid as exc:
        return {e.path: e.reason for e in exc.errors}
    return {e.path: e.reason for e in core.check(decl)}


def changed(**paths):
    doc = copy.deepcopy(BASE)
    for path, value in paths.items():
        target = doc
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return doc


def test_the_issue_example_is_valid():
    assert errors_of(BASE) == {}


@pytest.mark.parametrize("change,path,words", [
    ({"items__0__hs_code": "080519"}, "items[0].hs_code", "nearest valid codes: 080510"),
    ({"items__0__hs_code": "0805"}, "items[0].hs_code", "6 to 10 digits"),
    ({"items__0__origin": "ZZ"}, "items[0].origin", "not an ISO 3166-1"),
    ({"exporter__country": "XX"}, "exporter.country", "not an ISO 3166-1"),
    ({"currency": "XYZ"}, "currency", "not an ISO 4217"),
    ({"office": "AUXXX"}, "office", "not a known customs office"),
    ({"office": "NZAKL"}, "office", "office of NZ, not of AU"),
    ({"economy": "GB"}, "economy", "not one of the 21 APEC"),
    ({"items__0__quantity": "0"}, "items[0].quantity", "more than 0"),
    ({"items__0__value": "-5"}, "items[0].value", "more than 0"),
    ({"items__0__net_weight_kg": "1100"}, "items[0].net_weight_kg", "above gross weight"),
    ({"transport__arrival": "2026-11-28T10:00:00"}, "transport.arrival", "timezone"),
    ({"transport__containers": ["MSCU1234567"]}, "transport.containers[0]", "should be 6"),
    ({"items__0__value": "850.005"}, "items[0].value", "more decimal places than USD"),
    ({"type": "removal"}, "type", "import"),
    ({"items__0__colour": "orange"}, "items[0].colour", "not a recognised field"),
    ({"items": []}, "items", "at least 1"),
    ({"importer": None}, "importer", "must name the importer"),
])
def test_each_bad_field_is_named_with_its_reason(change, path, words):
    errs = errors_of(changed(**change))
    assert path in errs, errs
    assert words in errs[path]


def test_several_errors_are_all_reported():
    errs = errors_of(changed(currency="XYZ", office="AUXXX", items__0__origin="ZZ"))
    assert {"currency", "office", "items[0].origin"} <= set(errs)


def test_lifecycle_allows_only_its_transitions():
    core.check_transition("accepted", "assessed")
    core.check_transition("lane_selected", "under_control")
    core.check_transition("under_control", "released")
    for final in core.FINAL:
        assert core.TRANSITIONS[final] == frozenset()
        with pytest.raises(core.TransitionError):
            core.check_transition(final, "accepted")
    with pytest.raises(core.TransitionError, match="allowed: assessed, cancelled, rejected"):
        core.check_transition("accepted", "released")
    # every status is reachable from accepted
    seen, todo = {"accepted"}, ["accepted"]
    while todo:
        for nxt in core.TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(core.STATUSES)


@given(st.integers(min_value=1, max_value=99_999_999), st.integers(2000, 2099),
       st.sampled_from(["AUSYD", "NZAKL", "USLAX"]))
def test_mrn_check_character_catches_any_single_change(number, year, office):
    mrn = core.make_mrn(year, office, number)
    assert len(mrn) == 16 and core.mrn_is_valid(mrn)
    for i in range(15):
        for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:12]:
            if ch != mrn[i]:
                assert not core.mrn_is_valid(mrn[:i] + ch + mrn[i + 1:])


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2), st.integers(0, 4))
def test_fingerprint_ignores_how_an_amount_is_spelt(value, zeros):
    a = changed(items__0__value=str(value))
    b = changed(items__0__value=str(value) + "0" * zeros if "." in str(value) else str(value))
    fa = core.fingerprint(core.content(parse(DeclarationIn, a)))
    fb = core.fingerprint(core.content(parse(DeclarationIn, b)))
    assert fa == fb
    c = changed(items__0__value=str(value + Decimal("0.01")))
    assert core.fingerprint(core.content(parse(DeclarationIn, c))) != fa


# What the fingerprint was before orjson was asked first (stored fingerprints must keep matching their content).
def _fingerprint_by_json(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


_JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-2**80, 2**80) | st.text(),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                        max_leaves=12)


@given(st.dictionaries(st.text(max_size=8), _JSONISH, max_size=6))
def test_the_fingerprint_is_the_sha256_of_the_sorted_json_whatever_the_text(data):
    assert core.fingerprint(data) == _fingerprint_by_json(data)


def test_the_fingerprint_of_escaped_and_non_ascii_text_is_the_sorted_json_one():
    for text in ("plain", 'q"u\\o/te', "line\nbreak\ttab\r", "\x7f", "".join(map(chr, range(128))), "Côte d'Ivoire",
                 "東京", "\u2028"):
        data = {"b": text, "a": [text, {"z": 1, "Z": None}], text: 2**70 if text == "plain" else 1}
        assert core.fingerprint(data) == _fingerprint_by_json(data)


def test_merge_patch_follows_rfc_7396():
    assert core.merge_patch({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}, "f": [1]}) == \
        {"a": 1, "b": {"d": 3, "e": 4}, "f": [1]}
    assert core.merge_patch({"items": [1, 2]}, {"items": [3]}) == {"items": [3]}


def test_fixed_fields_cannot_be_amended():
    after = core.merge_patch(BASE, {"lrn": "OTHER", "freight": "1"})
    assert [e.path for e in core.fixed_field_changes(BASE, after)] == ["changes.lrn"]


def _declarations_of_every_shape() -> list[dict]:
    import random

    from clearway.demo_goods import declaration
    from tests.support import example

    rng = random.Random(3)
    out = [declaration(e, n, rng) for e in ("AU", "NZ", "JP", "US", "PE", "CN") for n in range(20)]
    out += [example("declaration-au-oranges.json"), example("declaration-au-solar.json")]
    base = out[0]
    out += [{**base, "documents": [], "exporter": None, "freight": None, "insurance": None},
            {**base, "transport": {**base["transport"], "containers": [], "arrival": "2026-12-01T10:00:00+09:00"}},
            {**base, "items": [{**base["items"][0], "value": "1E+3", "quantity": "0.500", "packages": 0,
                                "package_type": "CT", "preference": "RCEP"}], "transport": {**base["transport"],
                                                                                              "courier": False}}]
    return out


def test_the_stored_content_is_the_plain_form_of_the_full_dump():
    docs = _declarations_of_every_shape()
    assert len(docs) == 125
    for doc in docs:
        decl = parse(DeclarationIn, doc)
        assert core.content(decl) == core._plain(decl.model_dump())
        assert json.dumps(core.content(decl)) == json.dumps(core._plain(decl.model_dump()))  # the same order too
