"""Targeting rules, as pure rules: officer-defined conditions over declaration facts, each with an
action (red, yellow, or points added to the score) and a validity period.

A rule holds when every one of its conditions holds. Conditions on goods-item fields (HS code,
chapter, origin, value, value per kg) must all hold for the same item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from clearway.errors import FieldError
from clearway.reference.names import name_key

ITEM_FIELDS = {"hs_code": "text", "hs_chapter": "text", "origin": "text", "value": "number", "value_per_kg": "number"}
DECLARATION_FIELDS = {
    "office": "text", "declarant": "text", "importer": "text", "exporter": "text", "exporter_country": "text",
    "transport_mode": "text", "type": "text", "trusted_trader": "bool", "first_time_importer": "bool",
    "certificate_finding": "bool", "seal_alert": "bool", "essential_goods": "bool",
}
FIELDS = {**ITEM_FIELDS, **DECLARATION_FIELDS}
OPS = {
    "text": ("eq", "ne", "in", "not_in", "prefix"),
    "number": ("lt", "le", "gt", "ge", "between", "outside"),
    "bool": ("is",),
}
ACTIONS = ("red", "yellow", "score")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Rule:
    code: str
    version: int
    action: str
    conditions: tuple[Condition, ...]
    score: float = 0.0
    name: str = ""
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def active(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True)
class ItemFacts:
    hs_code: str | None  # None: a clearance request's item (no commodity code); no HS condition holds for it
    origin: str | None = None
    value: Decimal | None = None
    net_weight_kg: Decimal | None = None

    @property
    def value_per_kg(self) -> Decimal | None:
        if self.value is None or not self.net_weight_kg:
            return None
        return self.value / self.net_weight_kg


@dataclass(frozen=True)
class Facts:
    """What the rules may look at, for one declaration."""

    office: str = ""
    declarant: str = ""
    importer: str | None = None
    exporter: str | None = None
    exporter_country: str | None = None
    transport_mode: str | None = None
    type: str = "import"
    trusted_trader: bool = False
    first_time_importer: bool = False
    certificate_finding: bool = False
    seal_alert: bool = False
    essential_goods: bool = False
    items: tuple[ItemFacts, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RuleHit:
    code: str
    version: int
    action: str
    score: float
    text: str


# ---- checking a rule definition -------------------------------------------------------------------

def check(action: str, score: float | None, conditions: list[dict[str, Any]],
          valid_from: datetime | None, valid_to: datetime | None) -> list[FieldError]:
    """Every problem of a rule definition, naming its field."""
    errors: list[FieldError] = []
    if action not in ACTIONS:
        errors.append(FieldError("action", f"must be one of {', '.join(ACTIONS)}"))
    if action == "score" and (score is None or not 0 < score <= 1):
        errors.append(FieldError("score", "a score rule adds between 0 (excluded) and 1 to the score"))
    if action != "score" and score not in (None, 0):
        errors.append(FieldError("score", f"only a score rule adds points; a {action} rule forces its lane"))
    if not conditions:
        errors.append(FieldError("conditions", "a rule needs at least one condition"))
    for i, c in enumerate(conditions):
        errors += [FieldError(f"conditions[{i}].{p}", r) for p, r in _check_condition(c)]
    if valid_from and valid_to and valid_to <= valid_from:
        errors.append(FieldError("valid_to", "is not after valid_from"))
    return errors


def _check_condition(c: dict[str, Any]) -> list[tuple[str, str]]:
    f, op, value = c.get("field"), c.get("op"), c.get("value")
    kind = FIELDS.get(f or "")
    if kind is None:
        return [("field", f"{f!r} is not a rule field; one of {', '.join(FIELDS)}")]
    if op not in OPS[kind]:
        return [("op", f"{op!r} does not apply to {f}; use one of {', '.join(OPS[kind])}")]
    if kind == "bool":
        return [] if isinstance(value, bool) else [("value", "must be true or false")]
    if op in ("in", "not_in"):
        ok = isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
        return [] if ok else [("value", "must be a non-empty list of texts")]
    if op in ("between", "outside"):
        nums = _numbers(value) if isinstance(value, list) and len(value) == 2 else None
        if nums is None or nums[0] > nums[1]:
            return [("value", "must be [low, high] with low <= high")]
        return []
    if kind == "number":
        return [] if _numbers([value]) else [("value", "must be a number")]
    if not isinstance(value, str) or not value:
        return [("value", "must be a non-empty text")]
    if f in ("hs_code", "hs_chapter") and not value.isdigit():
        return [("value", "HS codes are digits")]
    return []


def value_from_text(field: str, op: str, text: str) -> Any:
    """A condition's value as typed in a form field: yes/no (true/false) for yes-no fields, comma-separated
    values for in / not_in and "low, high" for between / outside; otherwise the text. `check` judges it."""
    text = text.strip()
    if FIELDS.get(field) == "bool":
        return {"true": True, "yes": True, "false": False, "no": False}.get(text.lower(), text)
    if op in ("in", "not_in", "between", "outside"):
        return [v.strip() for v in text.split(",") if v.strip()]
    return text


def value_text(value: Any) -> str:
    """The inverse of value_from_text, for showing a rule in a form."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _numbers(values: list[Any]) -> list[Decimal] | None:
    try:
        out = [Decimal(str(v)) for v in values if not isinstance(v, bool)]
    except (InvalidOperation, ValueError):
        return None
    return out if len(out) == len(values) and all(v.is_finite() for v in out) else None


# ---- evaluation ---------------------------------------------------------------------------------

HS_FIELDS = ("hs_code", "hs_chapter")


def _item_holds(item: ItemFacts, c: Condition) -> bool:
    """A condition on the commodity code never holds for an item without one, not even `ne` or `not_in`: such
    a rule needs the code (the item of a clearance request is laned by the rules that do not)."""
    if item.hs_code is None and c.field in HS_FIELDS:
        return False
    return _holds(_item_value(item, c.field), c.op, c.value)


def _item_value(item: ItemFacts, f: str) -> Any:
    if f == "hs_chapter":
        return (item.hs_code or "")[:2]
    if f == "value_per_kg":
        return item.value_per_kg
    return getattr(item, f)


def _holds(actual: Any, op: str, value: Any) -> bool:
    if op == "is":
        return bool(actual) is value
    if actual is None:
        return op in ("ne", "not_in")
    # names and codes compare as written, whatever the case or width (name_key: NFKC, case-folded)
    if op == "eq":
        return name_key(str(actual)) == name_key(str(value))
    if op == "ne":
        return name_key(str(actual)) != name_key(str(value))
    if op == "in":
        return name_key(str(actual)) in {name_key(str(v)) for v in value}
    if op == "not_in":
        return name_key(str(actual)) not in {name_key(str(v)) for v in value}
    if op == "prefix":
        return str(actual).startswith(str(value))
    a = Decimal(actual)
    if op in ("between", "outside"):
        lo, hi = Decimal(str(value[0])), Decimal(str(value[1]))
        inside = lo <= a <= hi
        return inside if op == "between" else not inside
    v = Decimal(str(value))
    return {"lt": a < v, "le": a <= v, "gt": a > v, "ge": a >= v}[op]


def matches(rule: Rule, facts: Facts) -> bool:
    item_conds = [c for c in rule.conditions if c.field in ITEM_FIELDS]
    for c in rule.conditions:
        if c.field in DECLARATION_FIELDS and not _holds(getattr(facts, c.field), c.op, c.value):
            return False
    if not item_conds:
        return True
    return any(all(_item_holds(it, c) for c in item_conds) for it in facts.items)


def evaluate(rules: list[Rule], facts: Facts, at: datetime) -> list[RuleHit]:
    """The rules in force at `at` that hold for these facts."""
    hits = []
    for rule in rules:
        if rule.active(at) and matches(rule, facts):
            what = {"red": "forces red", "yellow": "forces at least yellow"}.get(rule.action,
                                                                                 f"adds {rule.score:g} to the score")
            hits.append(RuleHit(rule.code, rule.version, rule.action, rule.score if rule.action == "score" else 0.0,
                                f"targeting rule {rule.code} v{rule.version} ({rule.name or 'no name'}) {what}"))
    return hits


def describe(c: Condition) -> str:
    return f"{c.field} {c.op} {c.value}"
