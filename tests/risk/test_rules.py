"""Targeting rules on hand-built declarations."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.risk.targeting import (FIELDS, Condition, Facts, ItemFacts, Rule, check, evaluate, matches,
                                     value_from_text, value_text)

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
TSHIRTS_VN = ItemFacts("610910", "VN", Decimal("200"), Decimal("100"))  # 2 per kg
ORANGES_CN = ItemFacts("080510", "CN", Decimal("850"), Decimal("1000"))


def rule(*conds, action="red", score=0.0, **kw):
    return Rule(code=kw.pop("code", "R1"), version=1, action=action, score=score,
                conditions=tuple(Condition(*c) for c in conds), **kw)


def facts(*items, **kw):
    return Facts(office="AUSYD", declarant="D1", importer="I1", items=items, **kw)


def test_hs_prefix_and_origin_must_hold_on_the_same_item():
    r = rule(("hs_chapter", "eq", "61"), ("origin", "eq", "CN"))
    assert not matches(r, facts(TSHIRTS_VN, ORANGES_CN))  # chapter 61 is from VN, CN goods are oranges
    assert matches(r, facts(ItemFacts("610910", "CN", Decimal(1), Decimal(1))))
    assert matches(rule(("hs_code", "prefix", "6109")), facts(ORANGES_CN, TSHIRTS_VN))


def test_value_per_kg_outside_the_reference_range():
    r = rule(("hs_code", "prefix", "6109"), ("value_per_kg", "outside", ["5", "40"]))
    assert matches(r, facts(TSHIRTS_VN))  # 2 per kg: below the range
    assert not matches(r, facts(ItemFacts("610910", "VN", Decimal("1000"), Decimal("100"))))  # 10 per kg
    assert not matches(r, facts(ItemFacts("610910", "VN", Decimal("1000"), None)))  # no weight: cannot tell


def test_an_item_without_a_commodity_code_is_laned_by_the_rules_that_need_none():
    """A clearance request's item (tests/wco/test_clearance_requests.py): no HS condition holds for it, not even
    a negated one; the other conditions judge it as any item."""
    papers = ItemFacts(None, "US", None, Decimal("90"))
    for cond in (("hs_code", "prefix", "49"), ("hs_code", "ne", "610910"), ("hs_code", "not_in", ["610910"]),
                 ("hs_chapter", "eq", "49"), ("hs_chapter", "ne", "61")):
        assert not matches(rule(cond), facts(papers)), cond
    assert matches(rule(("hs_code", "ne", "610910")), facts(papers, ORANGES_CN))  # the other item has a code
    assert matches(rule(("origin", "eq", "US")), facts(papers))
    assert matches(rule(("transport_mode", "eq", "post")), facts(papers, transport_mode="post"))
    assert not matches(rule(("value", "gt", "10")), facts(papers))  # no value: cannot tell


def test_declaration_level_flags_and_parties():
    r = rule(("seal_alert", "is", True))
    assert matches(r, facts(ORANGES_CN, seal_alert=True)) and not matches(r, facts(ORANGES_CN))
    r = rule(("importer", "in", ["I9", "i1"]), ("first_time_importer", "is", True), action="score", score=0.3)
    assert matches(r, facts(ORANGES_CN, first_time_importer=True))
    assert not matches(r, facts(ORANGES_CN))
    assert matches(rule(("exporter", "ne", "X")), facts(ORANGES_CN))  # unknown exporter is "not X"


def test_validity_period_and_hits():
    rules = [rule(("office", "eq", "AUSYD"), code="OLD", valid_to=datetime(2026, 1, 1, tzinfo=UTC)),
             rule(("office", "eq", "AUSYD"), code="NOW", action="yellow", valid_from=datetime(2026, 6, 1, tzinfo=UTC)),
             rule(("office", "eq", "AUSYD"), code="PTS", action="score", score=0.25, name="Sydney focus")]
    hits = evaluate(rules, facts(ORANGES_CN), NOW)
    assert [(h.code, h.action, h.score) for h in hits] == [("NOW", "yellow", 0.0), ("PTS", "score", 0.25)]
    assert hits[1].text == "targeting rule PTS v1 (Sydney focus) adds 0.25 to the score"


@pytest.mark.parametrize("action,score,conds,path", [
    ("green", None, [{"field": "office", "op": "eq", "value": "AUSYD"}], "action"),
    ("score", None, [{"field": "office", "op": "eq", "value": "AUSYD"}], "score"),
    ("red", 0.5, [{"field": "office", "op": "eq", "value": "AUSYD"}], "score"),
    ("red", None, [], "conditions"),
    ("red", None, [{"field": "colour", "op": "eq", "value": "x"}], "conditions[0].field"),
    ("red", None, [{"field": "value_per_kg", "op": "prefix", "value": "1"}], "conditions[0].op"),
    ("red", None, [{"field": "value_per_kg", "op": "between", "value": [9, 1]}], "conditions[0].value"),
    ("red", None, [{"field": "seal_alert", "op": "is", "value": "yes"}], "conditions[0].value"),
    ("red", None, [{"field": "hs_chapter", "op": "eq", "value": "6x"}], "conditions[0].value"),
])
def test_bad_rule_definitions_name_the_field(action, score, conds, path):
    assert path in [e.path for e in check(action, score, conds, None, None)]


def test_a_good_rule_definition_has_no_errors():
    assert check("score", 0.2, [{"field": "value_per_kg", "op": "lt", "value": "3.5"},
                                {"field": "origin", "op": "in", "value": ["CN", "VN"]}], NOW, None) == []


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                       max_size=2), max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["red", "yellow", "score", "x"]), st.none() | st.floats(),
       st.lists(st.fixed_dictionaries({"field": st.sampled_from(list(FIELDS) + ["nope"]),
                                       "op": st.sampled_from(["eq", "in", "prefix", "lt", "between", "outside", "is",
                                                              "bad"]),
                                       "value": json_values}), max_size=3))
def test_any_definition_is_checked_without_crashing_and_a_clean_one_evaluates(action, score, conds):
    errors = check(action, score, conds, None, None)
    if not errors:  # a definition the checker accepts can always be evaluated
        r = Rule(code="P", version=1, action=action, score=score or 0.0,
                 conditions=tuple(Condition(c["field"], c["op"], c["value"]) for c in conds))
        matches(r, facts(TSHIRTS_VN, ORANGES_CN, seal_alert=True))
        matches(r, facts())


@pytest.mark.parametrize("field,op,text,value,back", [
    ("trusted_trader", "is", " Yes ", True, "yes"),
    ("seal_alert", "is", "false", False, "no"),
    ("origin", "in", "CN, VN,,TH ", ["CN", "VN", "TH"], "CN, VN, TH"),
    ("value_per_kg", "between", "0.5, 2", ["0.5", "2"], "0.5, 2"),
    ("hs_chapter", "eq", " 61 ", "61", "61"),
])
def test_a_condition_typed_in_a_form_and_shown_back(field, op, text, value, back):
    got = value_from_text(field, op, text)
    assert got == value and value_text(got) == back
    assert check("red", None, [{"field": field, "op": op, "value": got}], None, None) == []
