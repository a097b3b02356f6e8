"""Re-derive the whole schedules Clearway ships (src/clearway/tariff/data/full/*.json.gz) from the
publications as gathered in the shared data folder (see each SOURCE.md there):

    .venv/bin/python scripts/derive_tariffs.py [../shared/data/tariffs/full] [--report-dir DIR]

Each publication is read by its importer (clearway.tariff.importers), checked whole with the schedule
validator, and written in the packed form (clearway.tariff.importers.packed). Chile is not shipped (licence
unknown): its operator imports it with `clearway tariff import --format cl-arancel-json FILE`."""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from clearway.tariff import importers, schedule
from clearway.tariff.importers import packed

SHIPPED = {  # economy: (format, path under the data folder, attribution)
    "JP": ("jp-customs", "JP/tariffdata", "Japan Customs, Customs Tariff Schedule (実行関税率表) of 2026-07-09, an "
           "annexed table of the Customs Tariff Act (statute: Copyright Act of Japan art. 13); compiled by "
           "qlitre/japan-tariff-mcp (MIT, (c) 2025 Japan Tariff MCP)"),
    "US": ("us-hts-csv", "US/htsdata.csv", "US International Trade Commission, Harmonized Tariff Schedule of the "
           "United States 2025 (April revision); a work of the US Government, public domain (17 U.S.C. 105)"),
    "NZ": ("nz-rates-xlsx", "NZ/Tariff_Rates_May2021_v1.xlsx", "New Zealand Customs Service, tariff rates by "
           "preference (May 2021) and Working Tariff Document correlation table (January 2022); Crown copyright, "
           "CC BY 4.0"),
    "AU": ("au-schedule3-json", "AU/tariff-schedule3.json", "Australian Border Force, Working Tariff (Customs "
           "Tariff Act 1995 Schedule 3 and Schedule 1), early 2026; Commonwealth of Australia, CC BY 4.0"),
}
OUT = Path(__file__).resolve().parent.parent / "src" / "clearway" / "tariff" / "data" / "full"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="?", default=str(Path(__file__).resolve().parents[3] / "shared/data/tariffs/full"))
    ap.add_argument("--report-dir", default=None)
    ap.add_argument("--only", nargs="*", default=None, help="only these economies")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for eco, (fmt, rel, attribution) in SHIPPED.items():
        if args.only and eco not in args.only:
            continue
        t = time.perf_counter()
        got = importers.read(fmt, Path(args.data) / rel)
        doc = got.document()
        schedule.parse_document(doc)  # the whole document must pass the validator before it ships
        data = packed.pack(doc, attribution=attribution)
        (OUT / f"{eco}.json.gz").write_bytes(data)
        if args.report_dir:
            with (Path(args.report_dir) / f"{eco}-report.csv").open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["outcome", "code", "column", "text", "reason"])
                w.writerows(["refused", r.code, r.column, r.text, r.reason] for r in got.refused)
                w.writerows(["not imported", r.code, r.column, r.text, r.reason] for r in got.skipped)
        print(eco, got.summary(), f"{len(data)} bytes", f"{time.perf_counter() - t:.1f} s", *got.notes)


if __name__ == "__main__":
    main()
