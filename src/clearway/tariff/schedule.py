"""Tariff schedules as data: the file format, its validation, and the lookup of the measures in
force for a tariff line on a date (a line without its own measure inherits its parent's).

File format (JSON, `format: clearway-tariff-schedule/1`) or CSV with the same fields per row
(economy, currency, code, type, rate, agreement, origins, valid_from, valid_to, base, description,
legal_basis, source, note). See docs/tariff.md."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from clearway.errors import FieldError, Invalid
from clearway.reference import countries, currencies, economies
from clearway.reference.hs import nomenclature
from clearway.tariff import expressions

MEASURE_TYPES = ("mfn", "preference", "excise", "vat", "fee")
EXCISE_BASES = ("customs_value", "customs_value+duty", "customs_value+duty+transport")
FIELDS = ("code", "type", "rate", "agreement", "origins", "valid_from", "valid_to", "base", "description",
          "legal_basis", "source", "note", "min_value", "max_value")


@dataclass(frozen=True)
class Measure:
    economy: str
    code: str
    type: str
    rate: str
    expression: expressions.Node
    valid_from: date | None = None
    valid_to: date | None = None
    agreement: str | None = None
    origins: tuple[str, ...] = ()
    base: str | None = None
    description: str | None = None
    legal_basis: str | None = None
    source: str | None = None
    note: str | None = None
    min_value: Decimal | None = None  # fees: charged when the consignment's customs value is above this
    max_value: Decimal | None = None  # fees: ... and at or below this

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "type": self.type, "rate": self.rate, "agreement": self.agreement,
                "origins": list(self.origins) or None, "base": self.base,
                "valid_from": self.valid_from.isoformat() if self.valid_from else None,
                "valid_to": self.valid_to.isoformat() if self.valid_to else None,
                "description": self.description, "legal_basis": self.legal_basis, "source": self.source,
                "note": self.note, "min_value": None if self.min_value is None else format(self.min_value.normalize(), "f"),
                "max_value": None if self.max_value is None else format(self.max_value.normalize(), "f")}


@dataclass
class Schedule:
    economy: str
    currency: str
    name: str = ""
    measures: list[Measure] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by: dict[tuple[str, str], list[Measure]] = {}
        for m in self.measures:
            self._by.setdefault((m.type, m.code), []).append(m)
        self._fees = [m for m in self.measures if m.type == "fee"]  # looked up on every assessment

    def _own(self, type_: str, code: str, on: date) -> list[Measure]:
        return [m for m in self._by.get((type_, code), ()) if m.in_force(on)]

    def find(self, type_: str, code: str, on: date) -> list[Measure]:
        """Measures of a type in force on `on` for `code`: its own, else its nearest parent's."""
        for n in range(len(code), 1, -1):
            found = self._own(type_, code[:n], on)
            if found:
                return found
        return []

    def fees(self, on: date) -> list[Measure]:
        return [m for m in self._fees if m.in_force(on)]

    def children(self, code: str, type_: str = "mfn") -> list[str]:
        return sorted({c for (t, c) in self._by if t == type_ and c.startswith(code) and len(c) > len(code)})

    def lines(self, code: str, on: date) -> list[Measure]:
        """Everything in force on `on` that applies to `code` (own and inherited), and its national sub-lines."""
        out: list[Measure] = []
        for t in MEASURE_TYPES:
            out += self.find(t, code, on)
        for child in self.children(code):
            for t in MEASURE_TYPES:
                out += self._own(t, child, on)
        return out


def _date(value: Any, path: str, errors: list[FieldError]) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.append(FieldError(path, f"{value!r} is not a date (YYYY-MM-DD)"))
        return None


def _measure(economy: str, currency: str, raw: dict[str, Any], path: str, errors: list[FieldError]) -> Measure | None:
    before = len(errors)
    unknown = set(raw) - set(FIELDS)
    if unknown:
        errors.append(FieldError(path, f"unknown fields: {', '.join(sorted(unknown))}"))
    code = str(raw.get("code") or "").strip().replace(".", "")
    type_ = str(raw.get("type") or "").strip().lower()
    if type_ not in MEASURE_TYPES:
        errors.append(FieldError(f"{path}.type", f"{type_!r} is not one of {', '.join(MEASURE_TYPES)}"))
    min_len = 6 if type_ in ("mfn", "preference") else 2
    if type_ == "fee" and code == "*":
        pass
    elif not code.isdigit() or not min_len <= len(code) <= 10:
        errors.append(FieldError(f"{path}.code", f"{code!r}: a {type_ or 'measure'} code has {min_len} to 10 digits"))
    else:
        hs = nomenclature()
        prefix = code[:6] if len(code) >= 6 else code
        entry = hs.get(prefix)
        if entry is None:
            errors.append(FieldError(f"{path}.code", f"{code}: {prefix} is not in HS 2022"))
    rate = str(raw.get("rate") or "")
    node = None
    try:
        node = expressions.parse(rate, currency)
    except expressions.ExpressionError as exc:
        errors.append(FieldError(f"{path}.rate", str(exc)))
    if type_ == "vat" and node is not None and not isinstance(node, (expressions.AdValorem, expressions.Free)):
        errors.append(FieldError(f"{path}.rate", "a VAT/GST rate is a percentage"))
    if type_ != "fee" and node is not None and "entry" in node.units():
        errors.append(FieldError(f"{path}.rate", "only a fee is charged per entry"))
    bounds = {}
    for k in ("min_value", "max_value"):
        if raw.get(k) not in (None, ""):
            try:
                bounds[k] = Decimal(str(raw[k]))
                if not bounds[k].is_finite() or bounds[k] < 0:
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(FieldError(f"{path}.{k}", f"{raw[k]!r} is not an amount"))
            if type_ != "fee":
                errors.append(FieldError(f"{path}.{k}", "only fees have value bounds"))
    agreement = (raw.get("agreement") or None)
    origins = raw.get("origins") or []
    if isinstance(origins, str):
        origins = origins.replace(",", " ").split()
    origins = tuple(str(o).strip().upper() for o in origins)
    if type_ == "preference":
        if not agreement:
            errors.append(FieldError(f"{path}.agreement", "a preference names its trade agreement"))
        if not origins:
            errors.append(FieldError(f"{path}.origins", "a preference lists the origins that qualify"))
    for i, o in enumerate(origins):
        if not countries.is_country(o):
            errors.append(FieldError(f"{path}.origins[{i}]", f"{o!r} is not an ISO 3166-1 alpha-2 code"))
    base = raw.get("base") or None
    if type_ == "excise":
        base = base or "customs_value"
        if base not in EXCISE_BASES:
            errors.append(FieldError(f"{path}.base", f"{base!r} is not one of {', '.join(EXCISE_BASES)}"))
    valid_from = _date(raw.get("valid_from"), f"{path}.valid_from", errors)
    valid_to = _date(raw.get("valid_to"), f"{path}.valid_to", errors)
    if valid_from and valid_to and valid_to < valid_from:
        errors.append(FieldError(f"{path}.valid_to", "is before valid_from"))
    if len(errors) > before or node is None:
        return None
    text = lambda k: (str(raw[k]).strip() or None) if raw.get(k) not in (None, "") else None  # noqa: E731
    return Measure(economy=economy, code=code, type=type_, rate=node.text(), expression=node, valid_from=valid_from,
                   valid_to=valid_to, agreement=str(agreement).strip() if agreement else None, origins=origins,
                   base=base, description=text("description"), legal_basis=text("legal_basis"),
                   source=text("source"), note=text("note"), **bounds)


def _overlaps(measures: list[Measure]) -> list[FieldError]:
    errors = []
    seen: dict[tuple, list[tuple[int, Measure]]] = {}
    for i, m in enumerate(measures):
        key = (m.type, m.code, m.agreement)
        for j, other in seen.get(key, []):
            lo = max(m.valid_from or date.min, other.valid_from or date.min)
            hi = min(m.valid_to or date.max, other.valid_to or date.max)
            if lo <= hi and _values_meet(m, other):
                errors.append(FieldError(f"measures[{i}]", f"overlaps measures[{j}] ({m.type} {m.code}"
                                         f"{' ' + m.agreement if m.agreement else ''}) from {lo}"))
        seen.setdefault(key, []).append((i, m))
    return errors


def _values_meet(a: Measure, b: Measure) -> bool:
    """Do two measures' value bounds (above min_value, at most max_value) share a value? (US: the formal-entry fee
    above USD 2,500 and the informal-entry fee at or below it do not.)"""
    lows = [x.min_value for x in (a, b) if x.min_value is not None]
    highs = [x.max_value for x in (a, b) if x.max_value is not None]
    return not lows or not highs or max(lows) < min(highs)


def parse_document(doc: dict[str, Any]) -> Schedule:
    """Validate a schedule document; every problem is reported with its path, nothing half-read."""
    errors: list[FieldError] = []
    if not isinstance(doc, dict):
        raise Invalid("a schedule is a JSON object", errors=[FieldError("", "not an object")])
    economy = str(doc.get("economy") or "").upper()
    eco = economies.get(economy)
    if eco is None:
        errors.append(FieldError("economy", f"{economy!r} is not one of the 21 APEC economies"))
    currency = str(doc.get("currency") or (eco.currency if eco else "")).upper()
    if not currencies.is_currency(currency):
        errors.append(FieldError("currency", f"{currency!r} is not an ISO 4217 currency"))
    elif eco is not None and currency != eco.currency:
        errors.append(FieldError("currency", f"{economy}'s schedule is in {eco.currency}, not {currency}"))
    raw = doc.get("measures")
    if not isinstance(raw, list) or not raw:
        errors.append(FieldError("measures", "a schedule lists at least one measure"))
        raw = []
    if errors:
        raise Invalid("the schedule was refused", errors=errors)
    measures = []
    for i, r in enumerate(raw):
        if not isinstance(r, dict):
            errors.append(FieldError(f"measures[{i}]", "a measure is an object"))
            continue
        m = _measure(economy, currency, r, f"measures[{i}]", errors)
        if m is not None:
            measures.append(m)
    if not errors:
        errors = _overlaps(measures)
    if errors:
        raise Invalid("the schedule was refused: see the listed measures", errors=errors)
    return Schedule(economy=economy, currency=currency, name=str(doc.get("name") or ""), measures=measures)


def parse_csv(text: str) -> list[Schedule]:
    """One schedule per economy named in the rows (columns: economy, currency and the measure fields)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "economy" not in reader.fieldnames:
        raise Invalid("the CSV needs a header row with at least economy, code, type, rate",
                      errors=[FieldError("header", "missing columns")])
    docs: dict[str, dict[str, Any]] = {}
    for row in reader:
        eco = (row.pop("economy") or "").strip().upper()
        cur = (row.pop("currency", "") or "").strip().upper()
        d = docs.setdefault(eco, {"economy": eco, "currency": cur or None, "measures": []})
        d["measures"].append({k: v for k, v in row.items() if k in FIELDS and v not in (None, "")})
    return [parse_document(d) for d in docs.values()]


def parse_file_text(text: str, name: str = "") -> list[Schedule]:
    if name.lower().endswith(".csv"):
        return parse_csv(text)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid("the schedule is not valid JSON", errors=[FieldError("", f"{exc.msg} at line {exc.lineno}")]) \
            from None
    docs = doc if isinstance(doc, list) else [doc]
    return [parse_document(d) for d in docs]


@cache
def builtin(economy: str) -> Schedule | None:
    """The demo schedule shipped with Clearway for this economy (AU, CA, JP, NZ, TH, US), if any."""
    path = resources.files("clearway.tariff").joinpath("data", f"schedule_{economy.upper()}.json")
    if not path.is_file():
        return None
    return parse_document(json.loads(path.read_text("utf-8")))


def builtin_economies() -> list[str]:
    folder = resources.files("clearway.tariff").joinpath("data")
    return sorted(p.name[9:-5] for p in folder.iterdir() if p.name.startswith("schedule_") and p.name.endswith(".json"))
