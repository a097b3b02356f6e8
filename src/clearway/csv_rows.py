"""Rows of a CSV file people keep in a spreadsheet, parsed into models with every refusal naming its line
and column ("line 4: percent"). Nothing here touches the database."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from clearway.errors import ClearwayError, FieldError, Invalid

T = TypeVar("T")


def read(text: str, *, columns: Sequence[str], required: Sequence[str], row: Callable[[dict[str, Any]], T],
         extra: Callable[[str], bool] = lambda name: False, name: str = "the file") -> list[tuple[int, T]]:
    """(line number, row(values)) for every data line; blank cells are None. `row` may raise ClearwayError,
    whose field errors are reported with the line. Refuses the whole file on any bad line (up to 20 named)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in columns and not extra(h)]
    missing = [c for c in required if c not in header]
    if unknown or missing:
        errors = [FieldError("header", f"column {h!r} is not one of: {', '.join(columns)}") for h in unknown]
        errors += [FieldError("header", f"column {c!r} is required") for c in missing]
        raise Invalid(f"{name} has a header Clearway does not read", errors=errors)
    out, errors = [], []
    for raw in reader:
        line = reader.line_num
        values = {k.strip(): (v.strip() or None) if isinstance(v, str) else None for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        try:
            out.append((line, row(values)))
        except ClearwayError as exc:
            errors += [FieldError(f"line {line}: {e.path}", e.reason) for e in exc.errors] or \
                [FieldError(f"line {line}", exc.detail)]
        if len(errors) >= 20:
            break
    if errors:
        raise Invalid(f"{name} has lines Clearway cannot read; nothing was stored", errors=errors)
    return out


def fields(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """The cells that are fields of `model`, blank ones left out (so that the model's defaults apply)."""
    return {k: v for k, v in values.items() if k in model.model_fields and v is not None}
