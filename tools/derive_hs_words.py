"""Derive `src/clearway/reference/data/hs-national-words.csv.gz` from the national tariff schedules.

The HS finder searches the national lines' own words beside the nomenclature's: the national schedules
describe each HS 2022 subheading in many more (and more everyday) words than the six-digit text.
- US Harmonized Tariff Schedule 2025 (public domain, a work of the US Government): for each subheading, the
  descriptions of every US line under it, each with those of the lines it is indented under
  ("Drinking glasses, other than of glass-ceramics" above "Other"), read from the USITC CSV export.
- Australia's Working Tariff, Schedule 3 and New Zealand's tariff (each CC BY 4.0, see
  `src/clearway/tariff/data/full/SOURCE.md`): the descriptions of their 8-digit lines, read from the
  schedules Clearway ships (`AU.json.gz`, `NZ.json.gz`), leaving out the bare "Other" lines. Japan's
  schedule is described in Japanese only, so it adds no words.

    python tools/derive_hs_words.py ../shared/data/tariffs/full/US/htsdata.csv
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src/clearway/reference/data/hs-national-words.csv.gz"
SHIPPED = ROOT / "src/clearway/tariff/data/full"
SOURCES = {"AU": "AU Working Tariff Schedule 3 (CC BY 4.0)", "NZ": "NZ Customs tariff, May 2021 to HS 2022 (CC BY 4.0)"}


def derive_us(hts_csv: Path) -> dict[str, list[str]]:
    words: dict[str, list[str]] = defaultdict(list)
    path: list[str] = []  # the descriptions of the line and the lines it is indented under
    with hts_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = re.sub(r"\D", "", row["HTS Number"] or "")
            indent = int(row["Indent"] or 0)
            del path[indent:]
            path.append((row["Description"] or "").strip().rstrip(":"))
            if len(code) >= 6 and not code.startswith(("98", "99")):
                for t in path:
                    if t and t not in words[code[:6]]:
                        words[code[:6]].append(t)
    return words


def derive_shipped(economy: str) -> dict[str, list[str]]:
    """The national lines' descriptions of a schedule Clearway ships (packed form, see tariff/importers)."""
    body = json.loads(gzip.decompress((SHIPPED / f"{economy}.json.gz").read_bytes()))
    fields, values = body["fields"], body["values"]
    code_at, desc_at = fields.index("code"), fields.index("description")
    words: dict[str, list[str]] = defaultdict(list)
    for row in body["rows"]:
        code, desc = values["code"][row[code_at]], values["description"][row[desc_at]]
        desc = (desc or "").lstrip("- ").strip().rstrip(":")
        if len(code) > 6 and desc and desc.lower() != "other" and desc not in words[code[:6]]:
            words[code[:6]].append(desc)
    return words


def main() -> None:
    sources = {"US HTS 2025": derive_us(Path(sys.argv[1])), **{SOURCES[e]: derive_shipped(e) for e in SOURCES}}
    with gzip.GzipFile(OUT, "wb", mtime=0) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["hs6", "source", "words"])
        for source, words in sources.items():
            for code in sorted(words):
                w.writerow([code, source, " ; ".join(words[code])])
    print(", ".join(f"{s}: {len(w)} subheadings" for s, w in sources.items()), "->", OUT)


if __name__ == "__main__":
    main()
