"""United States: the Harmonized Tariff Schedule as the USITC CSV export (HTS Number, Indent, Description,
Unit of Quantity, General Rate of Duty, Special Rate of Duty, Column 2 Rate of Duty, ...).

The legal tariff lines are the 8-digit subheadings (10-digit statistical suffixes repeat their rate); a
rate first stated on 10-digit lines is taken there. Chapters 98 and 99 (special provisions, temporary
additional duties) are not HS 2022 subheadings and are reported, not imported. General = MFN
(column 1); Special = programme rates with their codes (origins.US)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from clearway.tariff.importers import origins
from clearway.tariff.importers.base import Imported, Refusal, compact, hs_ok
from clearway.tariff.importers.rates import RateError, us_rate, us_special

LAW = "Harmonized Tariff Schedule of the United States (19 U.S.C. 1202)"
SOURCE = "USITC HTS CSV export, 2025 revision of April 2025 (via Oneusg/Customs@ae85b8b htsdata.csv)"


def read(path: Path) -> Imported:
    text = path.read_text("utf-8-sig")
    return read_text(text)


def read_text(text: str) -> Imported:
    out = Imported(economy="US", currency="USD", name="Harmonized Tariff Schedule of the United States 2025 (April)",
                   source=SOURCE)
    reader = csv.DictReader(io.StringIO(text))
    need = {"HTS Number", "Indent", "Description", "General Rate of Duty", "Special Rate of Duty"}
    if not reader.fieldnames or not need <= set(reader.fieldnames):
        raise ValueError(f"not an HTS CSV export: the header needs {', '.join(sorted(need))}")
    stack: list[str] = []
    rated8: set[str] = set()
    lines: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in reader:
        try:
            indent = int(row["Indent"] or 0)
        except ValueError:
            indent = 0
        desc = " ".join((row["Description"] or "").split())
        del stack[indent:]
        stack += [""] * (indent - len(stack)) + [desc]
        code = (row["HTS Number"] or "").replace(".", "").strip()
        general = (row["General Rate of Duty"] or "").strip()
        if len(code) not in (8, 10) or not general:
            continue
        if code[:2] in ("98", "99"):
            out.skipped.append(Refusal(row["HTS Number"], "General", general, "chapter 98/99 special provision: "
                                       "not an HS 2022 subheading"))
            continue
        if len(code) == 10 and code[:8] in rated8:
            continue  # the statistical suffix repeats its subheading's rate
        if len(code) == 8:
            rated8.add(code)
        out.lines += 1
        if not hs_ok(code):
            out.refused.append(Refusal(row["HTS Number"], "code", code, "not under an HS 2022 subheading"))
            continue
        lines[code] = _line(code, row["HTS Number"], general, row.get("Special Rate of Duty") or "",
                            " / ".join(s for s in stack if s), out)
    out.measures = compact(lines)
    return out


def _line(code: str, shown: str, general: str, special: str, description: str, out: Imported) -> dict[str, Any]:
    entry: dict[str, list[dict[str, Any]]] = {"mfn": [], "preferences": []}
    basis = LAW
    try:
        entry["mfn"].append({"code": code, "type": "mfn", "rate": us_rate(general), "description": description,
                             "legal_basis": f"{basis}, column 1 General", "source": SOURCE,
                             "note": f"published: {general}"})
    except RateError as exc:
        out.refused.append(Refusal(shown, "General", general, str(exc)))
        out.unrated.append(code)
    if not special.strip():
        return entry
    try:
        segments = us_special(special)
    except RateError as exc:
        out.refused.append(Refusal(shown, "Special", special, str(exc)))
        return entry
    for rate_text, codes in segments:
        for c in codes:
            target = origins.US.get(c)
            if target is None:
                why = origins.US_SKIP.get(c)
                if why is None:
                    out.refused.append(Refusal(shown, f"Special ({c})", rate_text, "unknown programme code"))
                else:
                    out.skipped.append(Refusal(shown, f"Special ({c})", rate_text, why))
                continue
            if rate_text.startswith("See "):
                out.skipped.append(Refusal(shown, f"Special ({c})", rate_text, "the programme rate is on the "
                                           "chapter 98/99 line named"))
                continue
            try:
                expr = us_rate(rate_text)
            except RateError as exc:
                out.refused.append(Refusal(shown, f"Special ({c})", rate_text, str(exc)))
                continue
            agreement, who = target
            entry["preferences"].append({"code": code, "type": "preference", "agreement": agreement,
                                         "origins": list(who), "rate": expr,
                                         "legal_basis": f"{basis}, column 1 Special, programme {c}",
                                         "source": SOURCE, "note": f"published: {rate_text} ({c})"})
    return entry
