"""Australia: Customs Tariff Act 1995 Schedule 3 as scraped from the ABF Working Tariff (sections -> chapters
-> headings -> classifications with referenceNumber, description, dutyRate). The data holds 72 of 97
chapters; an empty dutyRate is reported.

The dutyRate text carries the general rate, then preference codes each with its rate, then staged
reductions: "5% DCS4% DCT5%", "5% CAFree", "$0.526/L NZ/PG/FI/DC/LDC/SG $0.526/L",
"5% From1July2018 3.75% From1July2019 Free". Each stage becomes a dated measure. Schedule 1 (the country
list beside it) gives the Forum Island and least developed countries; a code whose country list cannot be
told apart in the file (DC, DCS, DCT) is reported, not guessed."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from clearway.reference import countries
from clearway.tariff.importers import origins
from clearway.tariff.importers.base import Imported, Refusal, compact, hs_ok
from clearway.tariff.importers.rates import RateError, au_rate

LAW = "Customs Tariff Act 1995 (Cth), Schedule 3"
SOURCE = ("Australian Border Force, Working Tariff, Schedule 3, as published early 2026 (via "
          "networkneedsau/australian-tariff-classification@8dba2d1 tariff-schedule3.json); Commonwealth of "
          "Australia, CC BY 4.0")
MONTHS = {m: i for i, m in enumerate(("January", "February", "March", "April", "May", "June", "July", "August",
                                      "September", "October", "November", "December"), start=1)}
_FROM = re.compile(r"From\s?(\d{1,2})\s?(" + "|".join(MONTHS) + r")\s?(\d{4})")
_CODE = re.compile(r"(NZ\s?/\s?PG(?:\s?/\s?(?:FI|DC|LDC|SG))+|DCS|DCT|DTC|DC|CA|MY)(?=[\s$\dF;]|$)")


def schedule1(path: Path) -> dict[str, tuple[str, ...]]:
    """Forum Island countries (FI) and least developed countries (LDC) from the Schedule 1 list: its
    first block is the Forum Island countries, the second (from AF) the least developed."""
    if not path.is_file():
        return {}
    codes = [c["abbreviation"] for c in json.loads(path.read_text("utf-8"))]
    ldc_start = codes.index("AF")
    ldc_end = codes.index("AF", ldc_start + 1)
    keep = lambda xs: tuple(dict.fromkeys(x for x in xs if countries.is_country(x)))  # noqa: E731
    return {"FI": keep(codes[:ldc_start]), "LDC": keep(codes[ldc_start:ldc_end])}


def stages(text: str) -> list[tuple[date | None, str]]:
    """[(from date or None, the stage's text)] in order."""
    out, pos, start = [], 0, None
    for m in _FROM.finditer(text):
        out.append((start, text[pos:m.start()]))
        start, pos = date(int(m[3]), MONTHS[m[2]], int(m[1])), m.end()
    out.append((start, text[pos:]))
    return [(d, t.strip(" ;")) for d, t in out if t.strip(" ;") or d is not None]


def components(stage: str) -> tuple[str, list[tuple[str, str]]]:
    """(general rate text, [(preference code, rate text)]) of one stage."""
    parts = _CODE.split(stage)
    general = parts[0].strip(" ;")
    pairs = [(parts[i].replace(" ", "").replace("DTC", "DCT"), parts[i + 1].strip(" ;"))
             for i in range(1, len(parts) - 1, 2)]
    return general, pairs


def read(path: Path) -> Imported:
    fi_ldc = schedule1(path.parent / "tariff-schedule1.json")
    out = Imported(economy="AU", currency="AUD", name="Customs Tariff Act 1995 Schedule 3 (partial: 72 of 97 "
                   "chapters in the source data)", source=SOURCE)
    lines: dict[str, dict[str, list[dict[str, Any]]]] = {}
    seen: dict[str, str] = {}
    for section in json.loads(path.read_text("utf-8")):
        for chapter in section.get("chapters", []):
            for heading in chapter.get("headings", []):
                for c in heading.get("classifications", []):
                    shown = re.sub(r"[\u200b\s*]", "", c.get("referenceNumber") or "")
                    code = shown.replace(".", "")
                    rate = re.sub(r"\s+", " ", (c.get("dutyRate") or "").replace("\u200b", "")).strip()
                    if code in seen:
                        if rate and rate != seen[code]:
                            out.refused.append(Refusal(shown, "dutyRate", rate, f"a second rate for the item "
                                                       f"(first: {seen[code]!r})"))
                        continue
                    if len(code) != 8 or not code.isdigit():
                        if rate:
                            out.refused.append(Refusal(shown or "?", "code", rate, "not an 8-digit tariff item"))
                        continue
                    out.lines += 1
                    if not rate:
                        out.refused.append(Refusal(shown, "dutyRate", "", "no rate in the source data"))
                        if hs_ok(code):
                            out.unrated.append(code)
                        continue
                    seen[code] = rate
                    if not hs_ok(code):
                        out.refused.append(Refusal(shown, "code", code, "not under an HS 2022 subheading"))
                        continue
                    lines[code] = _line(code, shown, rate, " ".join((c.get("description") or "").split()),
                                        fi_ldc, out)
    out.measures = compact(lines)
    return out


def _line(code: str, shown: str, rate: str, desc: str, fi_ldc: dict[str, tuple[str, ...]],
          out: Imported) -> dict[str, Any]:
    entry: dict[str, list[dict[str, Any]]] = {"mfn": [], "preferences": []}
    basis = LAW
    staged = stages(rate)
    for n, (start, text) in enumerate(staged):
        end = staged[n + 1][0] - timedelta(days=1) if n + 1 < len(staged) else None
        dates = {"valid_from": start.isoformat() if start else None, "valid_to": end.isoformat() if end else None}
        dates = {k: v for k, v in dates.items() if v}
        general, pairs = components(text)
        try:
            entry["mfn"].append({"code": code, "type": "mfn", "rate": au_rate(general), "description": desc,
                                 "legal_basis": f"{basis}, general rate", "source": SOURCE,
                                 "note": f"published: {rate}", **dates})
        except RateError as exc:
            out.refused.append(Refusal(shown, "general", rate, str(exc)))
            out.unrated.append(code)
            break
        for pref, text_rate in pairs:
            for c in dict.fromkeys(pref.split("/")):  # "NZ/PG/FI/DC/LDC/SG/SG" names SG twice (2205.90.30)
                who = origins.AU_NAMED.get(c) or ((c, fi_ldc[c]) if fi_ldc.get(c) else None)
                if who is None:
                    out.skipped.append(Refusal(shown, c, text_rate, "the countries of this code are not told apart "
                                                                     "in the Schedule 1 data"))
                    continue
                try:
                    expr = au_rate(text_rate)
                except RateError as exc:
                    out.refused.append(Refusal(shown, c, text_rate, str(exc)))
                    continue
                entry["preferences"].append({"code": code, "type": "preference", "agreement": who[0],
                                             "origins": list(who[1]), "rate": expr, "note": f"published: {rate}",
                                             "legal_basis": f"{basis}, rate for {c}", "source": SOURCE, **dates})
    return entry
