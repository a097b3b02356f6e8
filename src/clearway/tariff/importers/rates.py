"""Rates as the publications write them, turned into Clearway duty expressions (clearway.tariff.expressions).
No database here. A text that is not understood raises RateError with the reason; nothing becomes zero by
default.

    Japan   無税, 4.6%, 361円/kg, 25%又は60円/kgのうちいずれか高い税率, 25%＋63円/kg, 1.52円/㎡ ...
    US      Free, 6.50%, 13.3¢/kg, $1.646/kg + 14.9%, 0.9¢ each, 5.25¢/bbl ...
    NZ      Free, 5%, 50c/l al, $1.87/kg
    AU      Free, 5%, $0.526/L, 5%, and $107.99/L of alcohol (the part inside one preference code)
    Chile   6, 0, L (liberado)
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from clearway.tariff import expressions


class RateError(ValueError):
    """A rate text the importer cannot turn into an expression (the reason says why)."""


# the words of a rate formula (free, yen, "whichever is higher", "but not less than" ...): anything else in Japanese
# is a condition stated in words
_JP_FORMULA_WORDS = r"無税|免税|円|万|又は|のうちいずれか(高|低)い税率|ただしその税率が|を(下|上)回る場合は|とする|頭|足|本|枚|個"

def _num(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise RateError(f"{text!r} is not a number") from None


def _plain(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


def _specific(amount: Decimal, currency: str, unit: str, per: Decimal = Decimal(1)) -> str:
    return f"{_plain(amount / per)} {currency}/{unit}"


def check(expr: str, currency: str) -> str:
    """The expression as Clearway writes it, or RateError with the expression parser's reason."""
    try:
        return expressions.parse(expr, currency).text()
    except expressions.ExpressionError as exc:
        raise RateError(str(exc)) from None


# ---- Japan ----------------------------------------------------------------------------------------

JP_UNITS = {"kg": ("kg", 1), "l": ("l", 1), "kl": ("l", 1000), "MT": ("kg", 1000), "頭": ("item", 1),
            "足": ("pair", 1), "本": ("item", 1), "枚": ("item", 1), "個": ("item", 1), "㎡": ("sqm", 1),
            "1,000本": ("item", 1000)}
JP_MARKERS = "*※◎"  # footnote marks before a rate (quota, special conditions): kept in the note, not the rate
_JP_TERM = re.compile(r"^(?:(?P<free>無税|免税)|(?P<pct>\d[\d,]*(?:\.\d+)?)%|(?P<yen>\d[\d,]*(?:\.\d+)?)(?P<man>万)?円/"
                      r"(?P<unit>1,000本|kg|kl|l|MT|頭|足|本|枚|個|㎡))$")


def jp_normalize(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)  # full-width ＋％（） -> ascii; ㎡ -> m2 is undone below
    t = t.replace("m2", "㎡").replace("−", "-").replace("\r", "")
    return re.sub(r"\s+", " ", t).strip()


def jp_bound(text: str) -> bool:
    """A rate in parentheses is a bound (WTO) rate that is not applied."""
    t = jp_normalize(text).lstrip(JP_MARKERS + "●").replace(" ", "")
    return bool(t) and all(p.startswith("(") and p.endswith(")") and p.count("(") == 1 for p in t.split("〜"))


def _jp_term(t: str) -> str:
    t = t.strip()
    m = _JP_TERM.match(t)
    if not m:
        raise RateError(f"{t!r} is not a rate this importer reads")
    if m["free"]:
        return "Free"
    if m["pct"]:
        return f"{_plain(_num(m['pct']))}%"
    amount = _num(m["yen"]) * (10_000 if m["man"] else 1)
    unit, per = JP_UNITS[m["unit"]]
    return _specific(amount, "JPY", unit, Decimal(per))


def _jp_sum(t: str) -> str:
    return " + ".join(_jp_term(p) for p in t.split("+"))


def jp_rate(text: str) -> str:
    """One cell of Japan's tariff schedule as an expression in JPY (markers and bound parentheses dropped)."""
    t = jp_normalize(text)
    if not t:
        raise RateError("no rate")
    if "課税価格" in t or "基準輸入価格" in t or "につき" in t:
        raise RateError("the duty depends on the customs value per unit (differential or gate-price duty): "
                        "the expression language cannot state it yet")
    if "〜" in t or "~" in t:
        raise RateError("a range of rates, not one rate (the rate is set on each national line)")
    if "非譲許" in t:
        raise RateError("the rate is 'not conceded' for part of the line")
    if "◆" in t:
        t = re.sub(r"\s*◆\d+", "", t).strip()  # safeguard trigger mark
    t = t.lstrip(JP_MARKERS + "●").strip()
    if t.startswith("(") and t.endswith(")") and t.count("(") == 1:
        t = t[1:-1].strip().lstrip(JP_MARKERS)
    t = t.replace(" ", "")
    if re.search(r"[ぁ-んァ-ヶ一-龥]", re.sub(_JP_FORMULA_WORDS, "", t)):
        raise RateError("the rate depends on a condition stated in words (quota, goods description, origin or "
                        "season)")
    m = re.fullmatch(r"(.+?)又は(.+?)のうちいずれか(高|低)い税率(?:ただしその税率が(.+?)を(下|上)回る場合は(.+?)(?:とする)?)?",
                     t.replace("(", "").replace(")", ""))
    if m:
        inner = f"{'max' if m[3] == '高' else 'min'}({_jp_sum(m[1])}, {_jp_sum(m[2])})"
        if m[4]:
            if _jp_sum(m[4]) != _jp_sum(m[6]):
                raise RateError("the floor or ceiling names two different rates")
            inner = f"{'max' if m[5] == '下' else 'min'}({inner}, {_jp_sum(m[6])})"
        return check(inner, "JPY")
    return check(_jp_sum(t), "JPY")


# ---- United States --------------------------------------------------------------------------------

US_UNITS = {"kg": ("kg", 1), "liter": ("l", 1), "l": ("l", 1), "each": ("item", 1), "pr.": ("pair", 1),
            "pr": ("pair", 1), "head": ("item", 1), "doz.": ("doz", 1), "dozen": ("doz", 1), "gross": ("gross", 1),
            "m2": ("sqm", 1), "m3": ("cbm", 1), "bbl": ("bbl", 1), "t": ("kg", 1000), "1000": ("item", 1000),
            "article": ("item", 1), "pf.liter": ("pfl", 1), "pf. liter": ("pfl", 1)}
_US_TERM = re.compile(r"^(?:(?P<free>Free)|(?P<pct>\d+(?:\.\d+)?)\s?%|(?:(?P<cents>\d+(?:\.\d+)?)\s?¢|\$(?P<usd>\d[\d,]*"
                      r"(?:\.\d+)?))\s?(?:/\s?(?P<unit>kg|liter|l|pr\.|pr|head|doz\.|gross|m2|m3|bbl|t|1000|article|"
                      r"pf\. ?liter)|\s(?P<each>each)))$")


def _us_term(t: str) -> str:
    m = _US_TERM.match(t.strip())
    if not m:
        raise RateError(f"{t.strip()!r} is not a rate this importer reads (a rate on part of the goods, a "
                        "content, or a reference to another line)")
    if m["free"]:
        return "Free"
    if m["pct"]:
        return f"{_plain(_num(m['pct']))}%"
    amount = _num(m["cents"]) / 100 if m["cents"] else _num(m["usd"])
    unit, per = US_UNITS[(m["unit"] or m["each"]).replace(" ", "") if (m["unit"] or "") != "pf. liter" else "pf.liter"]
    return _specific(amount, "USD", unit, Decimal(per))


def us_rate(text: str) -> str:
    t = re.sub(r"\s+", " ", text.replace("\u200b", "")).strip()
    if not t:
        raise RateError("no rate")
    return check(" + ".join(_us_term(p) for p in t.split("+")), "USD")


_US_SEGMENT = re.compile(r"\s*(?P<rate>[^()]*?)\s*\((?P<codes>[^()]*)\)")


def us_special(text: str) -> list[tuple[str, list[str]]]:
    """The Special column as (rate text, programme codes) pairs, in order."""
    t = re.sub(r"\s+", " ", text).strip()
    out, pos = [], 0
    while pos < len(t):
        m = _US_SEGMENT.match(t, pos)
        if not m:
            raise RateError(f"cannot read the programme list at {t[pos:pos + 30]!r}")
        codes = [c.strip().lstrip(".") for c in m["codes"].replace(" ", ",").split(",") if c.strip()]
        out.append((m["rate"].strip(), codes))
        pos = m.end()
    return out


# ---- New Zealand ----------------------------------------------------------------------------------

def nz_rate(text: str) -> str:
    t = re.sub(r"\s+", " ", text).strip()
    if not t:
        raise RateError("no rate")
    if t == "Parts":
        raise RateError("'Parts': the rate is that of the goods the parts are for (see the PARTS sheet)")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)c/l al", t)
    if m:
        return check(f"{_plain(_num(m[1]) / 100)} NZD/lpa", "NZD")
    m = re.fullmatch(r"\$(\d+(?:\.\d+)?)/kg", t)
    if m:
        return check(f"{_plain(_num(m[1]))} NZD/kg", "NZD")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)%", t)
    if m:
        return check(f"{_plain(_num(m[1]))}%", "NZD")
    if t == "Free":
        return "Free"
    raise RateError(f"{t!r} is not a rate this importer reads")


# ---- Australia ------------------------------------------------------------------------------------

def au_rate(text: str) -> str:
    """One rate inside an AU duty string (the part of one preference code)."""
    t = re.sub(r"\s+", " ", text.replace("\u200b", "")).strip().rstrip(";").strip()
    if not t:
        raise RateError("no rate")
    if t == "Free":
        return "Free"
    if "calculated on" in t or " plus " in t or "less" in t or "TSS" in t or "tobacco content" in t:
        raise RateError("the rate is on a measured content (alcohol above a strength, blend parts, tobacco, "
                        "soluble solids) or reduced by a share: the expression language cannot state it yet")
    parts = [p.strip() for p in re.split(r",? and ", t)]
    out = []
    for p in parts:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)%", p)
        if m:
            out.append(f"{_plain(_num(m[1]))}%")
            continue
        m = re.fullmatch(r"\$(\d[\d,]*(?:\.\d+)?)/(L of alcohol|L|kg|stick)", p)
        if not m:
            raise RateError(f"{p!r} is not a rate this importer reads")
        unit = {"L of alcohol": "lpa", "L": "l", "kg": "kg", "stick": "item"}[m[2]]
        out.append(_specific(_num(m[1]), "AUD", unit))
    return check(" + ".join(out), "AUD")


# ---- Chile ----------------------------------------------------------------------------------------

def cl_rate(value: object) -> str:
    t = str(value).strip() if value is not None else ""
    if t == "L":
        return "Free"  # liberado
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return "Free" if Decimal(t) == 0 else f"{_plain(Decimal(t))}%"
    raise RateError(f"{t!r} is not an ad valorem rate" if t else "no rate")
