"""Duty expressions as written in a tariff schedule, parsed into a small tree and evaluated with
the exact integer kernel (so the same tree serves the single and the bulk path).

    Free                       no duty
    5%                         ad valorem
    1.9 USD/kg                 specific: per kg, l (litre), item, pair (and entry, for fees)
    20% + 0.90 USD/pair        compound
    max(27%, 4300 JPY/pair)    the higher of
    min(15%, 125 JPY/l)        the lower of; nest them: max(min(15%, 125 JPY/l), 67 JPY/l)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from clearway.reference import currencies
from clearway.tariff import kernel

UNITS = ("kg", "l", "item", "pair", "entry",  # entry: once per declaration (fees only)
         "sqm", "cbm", "doz", "gross", "bbl", "lpa", "pfl")  # m2, m3, dozen, 144, US barrel, l pure alcohol, proof l
# declared units (UN/ECE Rec. 20 codes and common spellings) -> the unit a specific rate is per
UNIT_ALIASES = {
    "kg": "kg", "kgm": "kg", "kilogram": "kg",
    "l": "l", "ltr": "l", "lt": "l", "litre": "l", "liter": "l",
    "item": "item", "u": "item", "nar": "item", "pcs": "item", "pce": "item", "pc": "item", "no": "item",
    "unit": "item", "each": "item", "c62": "item", "head": "item",
    "pair": "pair", "pr": "pair", "npr": "pair", "pairs": "pair",
    "sqm": "sqm", "m2": "sqm", "mtk": "sqm", "cbm": "cbm", "m3": "cbm", "mtq": "cbm", "doz": "doz", "dzn": "doz",
    "dozen": "doz", "gross": "gross", "gro": "gross", "bbl": "bbl", "bll": "bbl", "barrel": "bbl",
    "lpa": "lpa", "pfl": "pfl", "proof_l": "pfl",
}


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Node:
    def evaluate(self, base: kernel.Num, quantities: dict[str, kernel.Num]) -> kernel.Num:  # micro-minor
        raise NotImplementedError

    def units(self) -> frozenset[str]:
        return frozenset()

    def text(self) -> str:
        raise NotImplementedError

    def ad_valorem_only(self) -> bool:
        return not self.units()


@dataclass(frozen=True)
class Free(Node):
    def evaluate(self, base, quantities):
        return base * 0

    def text(self) -> str:
        return "Free"


@dataclass(frozen=True)
class AdValorem(Node):
    percent: Decimal
    millionths: int

    def evaluate(self, base, quantities):
        return kernel.ad_valorem_micro(base, self.millionths)

    def text(self) -> str:
        return f"{_plain(self.percent)}%"


@dataclass(frozen=True)
class Specific(Node):
    amount: Decimal
    currency: str
    unit: str
    micro_per_unit: int

    def evaluate(self, base, quantities):
        return kernel.specific_micro(quantities[self.unit], self.micro_per_unit)

    def units(self) -> frozenset[str]:
        return frozenset({self.unit})

    def text(self) -> str:
        return f"{_plain(self.amount)} {self.currency}/{self.unit}"


@dataclass(frozen=True)
class Sum(Node):
    parts: tuple[Node, ...]

    def evaluate(self, base, quantities):
        total = self.parts[0].evaluate(base, quantities)
        for p in self.parts[1:]:
            total = total + p.evaluate(base, quantities)
        return total

    def units(self) -> frozenset[str]:
        return frozenset().union(*(p.units() for p in self.parts))

    def text(self) -> str:
        return " + ".join(p.text() for p in self.parts)


@dataclass(frozen=True)
class Choice(Node):
    fn: str  # "max" (the higher of) or "min" (the lower of)
    parts: tuple[Node, ...]

    def evaluate(self, base, quantities):
        pick = kernel.maximum if self.fn == "max" else kernel.minimum
        value = self.parts[0].evaluate(base, quantities)
        for p in self.parts[1:]:
            value = pick(value, p.evaluate(base, quantities))
        return value

    def units(self) -> frozenset[str]:
        return frozenset().union(*(p.units() for p in self.parts))

    def text(self) -> str:
        return f"{self.fn}({', '.join(p.text() for p in self.parts)})"


def _plain(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<word>[A-Za-z]+)|(?P<sym>[%+/(),]))")


def _tokens(text: str) -> list[str]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"unexpected {text[pos:pos + 10]!r} at position {pos + 1}")
        out.append(m.group(m.lastgroup))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, currency: str) -> None:
        self.text, self.currency = text, currency
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None:
            raise ExpressionError(f"{self.text!r} ends too early" + (f": {expected!r} expected" if expected else ""))
        if expected is not None and tok.lower() != expected:
            raise ExpressionError(f"{expected!r} expected, found {tok!r}")
        self.i += 1
        return tok

    def expr(self) -> Node:
        parts = [self.term()]
        while self.peek() == "+":
            self.take("+")
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else Sum(tuple(parts))

    def term(self) -> Node:
        tok = self.take()
        low = tok.lower()
        if low == "free":
            return Free()
        if low in ("max", "min"):
            self.take("(")
            parts = [self.expr()]
            while self.peek() == ",":
                self.take(",")
                parts.append(self.expr())
            self.take(")")
            if len(parts) < 2:
                raise ExpressionError(f"{low}() needs at least two expressions")
            return Choice(low, tuple(parts))
        try:
            number = Decimal(tok)
        except InvalidOperation:
            raise ExpressionError(f"a rate, 'Free', max( or min( expected, found {tok!r}") from None
        nxt = self.take()
        if nxt == "%":
            millionths = number * 10_000
            if millionths != millionths.to_integral_value():
                raise ExpressionError(f"{tok}% has more than 4 decimal places")
            return AdValorem(number, int(millionths))
        cur = nxt.upper()
        if not currencies.is_currency(cur):
            raise ExpressionError(f"{nxt!r} is neither '%' nor an ISO 4217 currency")
        if cur != self.currency:
            raise ExpressionError(f"specific rates must be in the schedule's currency {self.currency}, not {cur}")
        self.take("/")
        unit = self.take().lower()
        if unit not in UNITS:
            raise ExpressionError(f"unit {unit!r} is not one of {', '.join(UNITS)}")
        micro = number.scaleb(currencies.minor_units(cur)) * kernel.MICRO
        if micro != micro.to_integral_value():
            raise ExpressionError(f"{tok} {cur} is more precise than a millionth of the minor unit")
        return Specific(number, cur, unit, int(micro))


def parse(text: str, currency: str) -> Node:
    """Parse a duty expression whose specific amounts are in `currency`."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the rate is empty")
    p = _Parser(text, currency.upper())
    node = p.expr()
    if p.peek() is not None:
        raise ExpressionError(f"unexpected {p.peek()!r} after {node.text()!r}")
    return node


def unit_of(declared: str) -> str | None:
    return UNIT_ALIASES.get(declared.strip().lower())
