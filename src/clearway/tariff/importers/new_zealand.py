"""New Zealand: NZ Customs' tariff rates by preference spreadsheet (Tariff_Rates_May2021_v1.xlsx: line_id,
HS_Code, Description, NML (normal tariff = MFN) and 17 preference columns), HS 2017.

The workbook is read from its sheet XML (it lacks a drawing part some readers need). Its lines are brought
to HS 2022 with NZ Customs' own correlation table of the 1 January 2022 Working Tariff Document (the .txt
zip beside it, or given with --correlation): an item not amended in 2022 keeps its code; an item the
table amends keeps it only when every new item has the same eight digits (statistical keys changed);
every other line is reported with the new items the table names, not guessed."""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from clearway.tariff.importers import origins
from clearway.tariff.importers.base import Imported, Refusal, compact, hs_ok, preference_columns
from clearway.tariff.importers.rates import RateError, nz_rate

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
LAW = "Customs and Excise Act 2018 (NZ), Tariff of New Zealand (Schedule 1 of the Tariff Act 1988)"
SOURCE = ("New Zealand Customs Service, tariff rates by preference, May 2021 (via suestreet/NZ-Tariff@c260dfb "
          "Tariff_Rates_May2021_v1.xlsx); Crown copyright, CC BY 4.0")


def sheet_rows(path: Path) -> list[dict[str, str]]:
    """The first sheet's rows as {header: text} (shared strings and inline strings resolved)."""
    with zipfile.ZipFile(path) as z:
        shared = [("".join(t.text or "" for t in si.iter(f"{NS}t")))
                  for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall(f"{NS}si")]
        root = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for r in root.iter(f"{NS}row"):
        row = {}
        for c in r.findall(f"{NS}c"):
            col = re.match(r"[A-Z]+", c.get("r", "")).group()
            v = c.find(f"{NS}v")
            if v is None:
                inline = c.find(f"{NS}is")
                row[col] = "".join(t.text or "" for t in inline.iter(f"{NS}t")) if inline is not None else ""
            else:
                row[col] = shared[int(v.text)] if c.get("t") == "s" else (v.text or "")
        rows.append(row)
    if not rows:
        return []
    header = rows[0]
    return [{header.get(k, k): v for k, v in r.items()} for r in rows[1:]]


def correlation(path: Path) -> dict[str, list[str]]:
    """2017 item (8 digits) -> the 2022 items (8 digits) NZ Customs' correlation table names."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            text = z.read("Correlation Table.txt").decode("cp1252")
    else:
        text = path.read_text("cp1252")
    out: dict[str, list[str]] = defaultdict(list)
    for old, new in re.findall(r"^(\d{4}\.\d{2}\.\d{2}) \w+\s+(\d{4}\.\d{2}\.\d{2}) \w+", text, re.M):
        o, n = old.replace(".", ""), new.replace(".", "")
        if n not in out[o]:
            out[o].append(n)
    return dict(out)


def to_2022(code: str, table: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """(the HS 2022 code, None) or (None, why a correlation is needed)."""
    new = table.get(code)
    if new is not None and set(new) != {code}:
        return None, f"amended on 2022-01-01: now {', '.join(f'{n[:4]}.{n[4:6]}.{n[6:]}' for n in new)}"
    if not hs_ok(code):
        return None, f"{code[:6]} is not an HS 2022 subheading"
    return code, None


def read(path: Path, correlation_file: Path | None = None) -> Imported:
    corr = correlation_file or next(iter(sorted(path.parent.glob("*Working Tariff Document*.zip"))), None)
    if corr is None:
        raise FileNotFoundError("the NZ importer needs the 2022 correlation table (--correlation FILE: the Working "
                                "Tariff Document txt zip or its 'Correlation Table.txt')")
    table = correlation(corr)
    out = Imported(economy="NZ", currency="NZD", name="Tariff of New Zealand, rates of May 2021 (HS 2017 lines "
                   "brought to HS 2022)", source=SOURCE)
    lines: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in sheet_rows(path):
        shown = (row.get("HS_Code") or "").strip()
        code = shown.replace(".", "")
        if len(code) != 8 or not code.isdigit():
            continue
        out.lines += 1
        new, why = to_2022(code, table)
        if new is None:
            out.skipped.append(Refusal(shown, "HS 2017->2022", row.get("NML") or "", f"needs a correlation: {why}"))
            continue
        lines[new] = _line(new, shown, row, out)
    out.measures = compact(lines)
    out.notes.append(f"{sum(1 for s in out.skipped if s.column == 'HS 2017->2022')} HS 2017 lines need a correlation "
                     "to HS 2022 (listed as skipped)")
    return out


def _line(code: str, shown: str, row: dict[str, str], out: Imported) -> dict[str, Any]:
    entry: dict[str, list[dict[str, Any]]] = {"mfn": [], "preferences": []}
    desc = " ".join((row.get("Description") or "").split())
    basis = LAW
    nml = (row.get("NML") or "").strip()
    try:
        entry["mfn"].append({"code": code, "type": "mfn", "rate": nz_rate(nml), "description": desc,
                             "legal_basis": f"{basis}, Normal Tariff", "source": SOURCE, "note": f"published: {nml}"})
    except RateError as exc:
        out.refused.append(Refusal(shown, "NML", nml, str(exc)))
        out.unrated.append(code)
    entry["preferences"] = preference_columns(
        row, origins.NZ, shown=shown, code=code, parse=nz_rate, unmapped=origins.NZ_SKIP_REASON,
        basis=lambda column: f"{basis}, preferential column {column}", source=SOURCE, out=out)
    return entry
