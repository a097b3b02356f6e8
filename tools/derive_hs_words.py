"""Derive `src/clearway/reference/data/hs-national-words.csv.gz` from the US Harmonized Tariff Schedule.

The HS finder searches the national lines' own words beside the nomenclature's: the US schedule describes
each HS 2022 subheading in many more (and more everyday) words than the six-digit text. Each output row is
one subheading and the descriptions of every US line under it, with those of the lines they are indented
under ("Drinking glasses, other than of glass-ceramics" above "Other"). The US HTS is a work of the US Government (public domain).

    python tools/derive_hs_words.py ../shared/data/tariffs/full/US/htsdata.csv
"""

from __future__ import annotations

import csv
import gzip
import re
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/clearway/reference/data/hs-national-words.csv.gz"


def derive(hts_csv: Path) -> dict[str, list[str]]:
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


def main() -> None:
    words = derive(Path(sys.argv[1]))
    with gzip.open(OUT, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["hs6", "source", "words"])
        for code in sorted(words):
            w.writerow([code, "US HTS 2025", " ; ".join(words[code])])
    print(f"{len(words)} subheadings -> {OUT}")


if __name__ == "__main__":
    main()
