"""Chile: the Arancel Aduanero 2022 of the Servicio Nacional de Aduanas as a sheet-to-JSON conversion (a
list of {Column2: code NNNN.NNNN, Column3: glosa, Column4: unit, Column5: ad valorem, Column6: statistical
unit}, with nulls and header rows between). MFN only; "L" (liberado) is free. Chapter 00 holds Chile's
special national headings, which are not HS subheadings: reported, not imported. Imported by the operator:
the licence of this copy is unknown, so Clearway does not ship it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from clearway.tariff.importers.base import Imported, Refusal, compact, hs_ok
from clearway.tariff.importers.rates import RateError, cl_rate

LAW = "Arancel Aduanero de Chile 2022 (Decreto de Hacienda), derecho ad valorem"
SOURCE = "Servicio Nacional de Aduanas, Arancel Aduanero 2022 as published on its website"


def read(path: Path) -> Imported:
    out = Imported(economy="CL", currency="CLP", name="Arancel Aduanero de Chile 2022 (HS 2022)", source=SOURCE)
    lines: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in json.loads(path.read_text("utf-8")):
        if not isinstance(row, dict):
            continue
        shown = str(row.get("Column2") or "").strip()
        if not re.fullmatch(r"\d{4}\.\d{4}", shown):
            continue
        code = shown.replace(".", "")
        out.lines += 1
        value = row.get("Column5")
        if code.startswith("00") or not hs_ok(code):
            out.skipped.append(Refusal(shown, "code", str(value), "a national special heading, not under an HS "
                                                                 "2022 subheading"))
            continue
        try:
            expr = cl_rate(value)
        except RateError as exc:
            out.refused.append(Refusal(shown, "Adv.", str(value), str(exc)))
            out.unrated.append(code)
            continue
        lines[code] = {"mfn": [{"code": code, "type": "mfn", "rate": expr,
                                "description": " ".join(str(row.get("Column3") or "").split()),
                                "legal_basis": LAW, "source": SOURCE,
                                "note": f"published: {value}"}], "preferences": []}
    out.measures = compact(lines)
    return out
