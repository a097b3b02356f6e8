"""Pydantic errors in a broker's words, each with its field path (items[0].hs_code)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from clearway.errors import FieldError, Invalid

_REASONS = {
    "missing": "is required",
    "extra_forbidden": "is not a recognised field",
    "timezone_aware": "must be a time with a timezone, e.g. 2026-11-28T10:00:00Z",
    "datetime_from_date_parsing": "is not a date-time (use ISO 8601 with a timezone, e.g. 2026-11-28T10:00:00Z)",
    "datetime_parsing": "is not a date-time (use ISO 8601 with a timezone, e.g. 2026-11-28T10:00:00Z)",
    "datetime_type": "is not a date-time (use ISO 8601 with a timezone, e.g. 2026-11-28T10:00:00Z)",
    "decimal_parsing": "is not a number",
    "decimal_type": "must be a number or a decimal string",
    "finite_number": "must be a finite number",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "string_type": "must be a string",
}


def path_of(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(body)"


def _reason(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in _REASONS:
        return _REASONS[kind]
    if kind == "greater_than":
        return f"must be more than {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"must be {ctx.get('ge')} or more"
    if kind == "string_pattern_mismatch" and err.get("loc") and str(err["loc"][-1]) == "hs_code":
        return "must be 6 to 10 digits (an HS 2022 subheading, optionally with national digits)"
    if kind in ("decimal_max_places", "decimal_max_digits", "decimal_whole_digits"):
        return err["msg"].replace("Decimal input", "the amount")
    msg = str(err.get("msg", ""))
    return msg[0].lower() + msg[1:] if msg else kind


def field_errors(errors: Iterable[dict[str, Any]], skip: Iterable[str] = ()) -> list[FieldError]:
    """Pydantic's error dicts (ValidationError.errors() or FastAPI's) as FieldErrors."""
    skip = set(skip)
    out = []
    for err in errors:
        loc = [p for p in err.get("loc", ()) if p not in skip]
        # Unions and tagged parts add class names to the location; keep only field names and indexes.
        loc = [p for p in loc if isinstance(p, int) or not str(p)[:1].isupper() and "[" not in str(p)]
        out.append(FieldError(path_of(loc), _reason(err)))
    return out


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """Validate plain data into `model`, or raise Invalid naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("the input has invalid fields", errors=field_errors(exc.errors(include_url=False))) from None
