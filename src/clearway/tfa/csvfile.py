"""The CSV format of `clearway tfa load` (docs/tfa.md): one line per economy and measure. No database here."""

from __future__ import annotations

from typing import Any

from clearway import csv_rows
from clearway.errors import FieldError, Invalid
from clearway.reference.economies import checked
from clearway.tfa import measures
from clearway.tfa.schemas import CommitmentIn, ProjectIn
from clearway.validation import parse

COLUMNS = ("economy", "measure", "category", "indicative_date", "definitive_date", "status", "percent", "priority",
           "ta_needed", "evidence")
REQUIRED = ("economy", "measure", "category")


def _row(values: dict[str, Any]) -> tuple[str, str, CommitmentIn]:
    economy = checked(values.get("economy") or "")
    found = measures.get(values.get("measure") or "")
    if found is None:
        raise Invalid("unknown measure", errors=[FieldError("measure", "is not one of the 36 TFA measures (e.g. 7.1)")])
    body = parse(CommitmentIn, csv_rows.fields(CommitmentIn, values))
    body.entry(economy, found.id)
    return economy, found.id, body


def read(text: str, name: str = "the file") -> list[tuple[int, tuple[str, str, CommitmentIn]]]:
    rows = csv_rows.read(text, columns=COLUMNS, required=REQUIRED, row=_row, name=name)
    seen: dict[tuple[str, str], int] = {}
    for line, (economy, measure, _) in rows:
        if (economy, measure) in seen:
            raise Invalid(f"{name} names {economy} {measure} twice", errors=[
                FieldError(f"line {line}: measure", f"{economy} {measure} is already on line {seen[economy, measure]}")])
        seen[economy, measure] = line
    return rows


PROJECT_COLUMNS = ("code", "title", "donor", "measures", "eligible", "modality", "status", "start", "end")
PROJECT_REQUIRED = ("code", "title", "donor", "measures", "modality")


def _project(values: dict[str, Any]) -> tuple[str, ProjectIn]:
    cells = csv_rows.fields(ProjectIn, values)
    for name in ("measures", "eligible"):  # lists are written "7.4; 7.5" in one cell
        if name in cells:
            cells[name] = [p.strip() for p in cells[name].split(";") if p.strip()]
    return values.get("code") or "", parse(ProjectIn, cells)


def read_projects(text: str, name: str = "the file") -> list[tuple[int, tuple[str, ProjectIn]]]:
    return csv_rows.read(text, columns=PROJECT_COLUMNS, required=PROJECT_REQUIRED, row=_project, name=name)
