"""The CSV format of `clearway workforce load` (docs/tfa.md): one line per administration and year; head counts
by grade in columns named grade.<grade>.staff and grade.<grade>.women. No database here."""

from __future__ import annotations

import re
from typing import Any

from clearway import csv_rows
from clearway.db import utcnow
from clearway.errors import FieldError, Invalid
from clearway.reference.economies import checked
from clearway.validation import parse
from clearway.workforce.schemas import MetricsIn

COLUMNS = ("economy", "year", "staff", "women", "frontline_staff", "frontline_women", "recruits", "recruits_women",
           "leaders", "leaders_women", "trained")
REQUIRED = ("economy", "year", "staff", "women")
GRADE = re.compile(r"^grade\.([A-Za-z0-9 _-]{1,40})\.(staff|women)$")


def _row(values: dict[str, Any]) -> tuple[str, int, MetricsIn]:
    economy = checked(values.get("economy") or "")
    year = values.get("year") or ""
    if not year.isdigit():
        raise Invalid("bad year", errors=[FieldError("year", "must be a year, e.g. 2025")])
    grades: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        m = GRADE.match(name)
        if m and value is not None:
            grades.setdefault(m.group(1), {})[m.group(2)] = value
    body = parse(MetricsIn, {**csv_rows.fields(MetricsIn, values), "grades": grades})
    body.counts(economy, int(year), utcnow().year)
    return economy, int(year), body


def read(text: str, name: str = "the file") -> list[tuple[int, tuple[str, int, MetricsIn]]]:
    return csv_rows.read(text, columns=COLUMNS, required=REQUIRED, row=_row, extra=lambda h: bool(GRADE.match(h)),
                         name=name)
