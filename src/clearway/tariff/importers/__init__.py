"""Importers of whole national tariff schedules from their publications (`clearway tariff import --format
FORMAT FILE`). Each reads one publication format into a clearway-tariff-schedule/1 document plus the lines it
refused (code, column, text, reason) and those it deliberately left out. See docs/tariff.md."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from clearway.tariff.importers.base import Imported, Refusal


def _jp(path: Path, **_: object) -> Imported:
    from clearway.tariff.importers import japan
    return japan.read(path)


def _us(path: Path, **_: object) -> Imported:
    from clearway.tariff.importers import united_states
    return united_states.read(path)


def _nz(path: Path, correlation: Path | None = None, **_: object) -> Imported:
    from clearway.tariff.importers import new_zealand
    return new_zealand.read(path, correlation)


def _au(path: Path, **_: object) -> Imported:
    from clearway.tariff.importers import australia
    return australia.read(path)


def _cl(path: Path, **_: object) -> Imported:
    from clearway.tariff.importers import chile
    return chile.read(path)


def _packed(path: Path, **_: object) -> Imported:
    from clearway.tariff.importers import packed
    doc = packed.unpack(path.read_bytes())
    out = Imported(economy=doc["economy"], currency=doc["currency"], name=doc.get("name", ""), source=str(path))
    out.measures = doc["measures"]
    out.unrated = list(doc.get("unrated_lines") or [])
    return out


FORMATS: dict[str, tuple[Callable[..., Imported], str]] = {
    "jp-customs": (_jp, "Japan Customs tariff schedule, JSON chapter files j_NN_tariff_data.json (a file or folder)"),
    "us-hts-csv": (_us, "USITC Harmonized Tariff Schedule CSV export"),
    "nz-rates-xlsx": (_nz, "NZ Customs tariff rates by preference workbook (HS 2017) + 2022 correlation table"),
    "au-schedule3-json": (_au, "Australian Customs Tariff Schedule 3 as JSON (sections/chapters/headings)"),
    "cl-arancel-json": (_cl, "Chile Arancel Aduanero 2022, sheet-to-JSON conversion"),
    "clearway-packed": (_packed, "a schedule as Clearway ships it (clearway-tariff-packed/1, .json.gz)"),
}


def read(fmt: str, path: Path, **options: object) -> Imported:
    if fmt not in FORMATS:
        raise KeyError(fmt)
    return FORMATS[fmt][0](path, **options)


__all__ = ["FORMATS", "Imported", "Refusal", "read"]
