"""Japan: the Customs Tariff Schedule (実行関税率表) as JSON chapter files (j_NN_tariff_data.json, one tree
per chapter; the layout of qlitre/japan-tariff-mcp src/tariffdata, scraped from customs.go.jp).

Applied MFN rate of a line: the temporary rate (暫定) where one is set, else the lower of the general (基本)
and WTO (WTO協定) rates; a WTO rate in parentheses is bound, not applied. Preference columns: the EPA
columns with their partners (origins.JP); a rate in parentheses there is above the MFN rate and not
applied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clearway.tariff import expressions
from clearway.tariff.importers import origins
from clearway.tariff.importers.base import Imported, Refusal, compact, hs_ok, preference_columns
from clearway.tariff.importers.rates import RateError, jp_bound, jp_normalize, jp_rate

GENERAL, TEMPORARY, WTO = "基本", "暫定", "WTO協定"
LAW = "Customs Tariff Act (関税定率法) annexed schedule and Temporary Tariff Measures Act (関税暫定措置法)"


def chapter_files(path: Path) -> list[Path]:
    folder = path if path.is_dir() else path.parent
    files = sorted(folder.glob("j_*_tariff_data.json"))
    if not files:
        raise FileNotFoundError(f"{folder}: no j_NN_tariff_data.json chapter files")
    return files


def edition(path: Path) -> str:
    folder = path if path.is_dir() else path.parent
    index = folder / "index.json"
    return json.loads(index.read_text("utf-8")).get("version", "?") if index.is_file() else "?"


def lower(a: str, b: str) -> str:
    """The lower of two rates: decided here when comparable, else min(a, b) for the calculator."""
    if a == b:
        return a
    x, y = expressions.parse(a, "JPY"), expressions.parse(b, "JPY")
    if isinstance(x, expressions.Free) or isinstance(y, expressions.Free):
        return "Free"
    if isinstance(x, expressions.AdValorem) and isinstance(y, expressions.AdValorem):
        return a if x.percent <= y.percent else b
    if isinstance(x, expressions.Specific) and isinstance(y, expressions.Specific) and x.unit == y.unit:
        return a if x.amount <= y.amount else b
    return f"min({a}, {b})"


def applied(rate: dict[str, str]) -> tuple[str, str]:
    """(applied rate expression, the column it came from). RateError when it cannot be read."""
    general, temporary, wto = (rate.get(k, "").strip() for k in (GENERAL, TEMPORARY, WTO))
    if temporary:
        return jp_rate(temporary), "temporary rate (暫定)"
    if wto and not jp_bound(wto):
        if not general:
            return jp_rate(wto), "WTO rate (WTO協定)"
        return lower(jp_rate(general), jp_rate(wto)), "lower of general (基本) and WTO (WTO協定) rates"
    if general:
        return jp_rate(general), "general rate (基本)"
    if wto:
        raise RateError("only a bound WTO rate in parentheses, no general or temporary rate")
    raise RateError("no rate")


def read(path: Path) -> Imported:
    ed = edition(path)
    date = ed.replace("_", "-")
    out = Imported(economy="JP", currency="JPY", name=f"Japan Customs Tariff Schedule {date} (HS 2022)",
                   source=f"Japan Customs, https://www.customs.go.jp/tariff/{ed}/data/j_NN.htm")
    lines: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for f in chapter_files(path):
        chapter = f.name[2:4]
        for node in json.loads(f.read_text("utf-8")):
            _walk(node, [], {}, chapter, ed, date, out, lines)
    out.measures = compact(lines)
    return out


def _walk(node: dict[str, Any], path: list[str], rate: dict[str, str], chapter: str, ed: str, date: str,
          out: Imported, lines: dict) -> None:
    here = [*path, jp_normalize(node.get("desc") or "")]
    own = node.get("rate") or {}
    rate = {k: (own.get(k) or "").strip() or rate.get(k, "") for k in {*own, *rate}}  # a blank cell: the parent's
    if node.get("children"):
        for child in node["children"]:
            _walk(child, here, rate, chapter, ed, date, out, lines)
        return
    code = (node.get("stat_code") or "").replace(".", "") + (node.get("hs_code") or "")
    if len(code) != 9:
        if any(own.values()):
            out.refused.append(Refusal(code or "?", "code", jp_normalize(node.get("desc") or ""), "a rate on a row "
                                       "without a statistical code"))
        return
    out.lines += 1
    shown = f"{code[:4]}.{code[4:6]}-{code[6:]}"
    if not hs_ok(code):
        out.refused.append(Refusal(shown, "code", code, "not under an HS 2022 subheading"))
        return
    source = f"{out.source.replace('NN', chapter)} (via qlitre/japan-tariff-mcp@715eff9)"
    published = "; ".join(f"{k} {rate.get(k) or '-'}" for k in (GENERAL, TEMPORARY, WTO))
    entry: dict[str, list[dict[str, Any]]] = {"mfn": [], "preferences": []}
    try:
        expr, which = applied(rate)
        entry["mfn"].append({"code": code, "type": "mfn", "rate": expr, "description": " / ".join(p for p in here if p),
                             "legal_basis": f"{LAW}, tariff of {date}: {which}", "source": source,
                             "note": f"published: {published}"})
    except RateError as exc:
        out.refused.append(Refusal(shown, "MFN", published, str(exc)))
        out.unrated.append(code)
    entry["preferences"] = preference_columns(
        rate, origins.JP, shown=shown, code=code, parse=jp_rate, unmapped=origins.JP_SKIP_REASON,
        basis=lambda column: f"{LAW}, tariff of {date}, column {column}", source=source, out=out,
        not_applied=lambda text: "in parentheses: above the MFN rate, not applied" if jp_bound(text) else None)
    lines[code] = entry
