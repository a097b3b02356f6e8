"""Pydantic errors in a broker's words, each with its field path (items[0].hs_code)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar

import orjson
from pydantic import BaseModel, PlainValidator, ValidationError, WithJsonSchema

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
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
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
    """Validate plain data into `model`, or raise Invalid naming every bad field (control and
    bidirectional-override characters in any text included)."""
    refused = text_errors(data)
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("the input has invalid fields",
                      errors=refused + field_errors(exc.errors(include_url=False))) from None
    if refused:
        raise Invalid("the input has invalid fields", errors=refused)
    return parsed


# ---- characters a text field may hold ------------------------------------------------------------

# C0 and C1 controls (tab, line feed and carriage return apart), DEL, and the bidirectional embeddings,
# overrides and isolates that make text display other than it reads (CVE-2021-42574, "Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")
# Fields whose text may run over several lines (free text a person writes, and PEM documents);
# every other is one line.
MULTILINE = frozenset({"additional_declarations", "address", "certificate_pem", "description", "findings", "message",
                       "note", "notes", "reason", "remarks", "removal_reason", "resolution", "text"})
_NAMES = {"\x00": "NUL", "\t": "tab", "\n": "line feed", "\r": "carriage return", "\x1b": "escape",
          "\x7f": "delete"}


def _describe(ch: str) -> str:
    name = _NAMES.get(ch) or unicodedata.name(ch, "control character").lower()
    return f"U+{ord(ch):04X} ({name})"


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why this text may not be stored, or None. Tab and line breaks only where `multiline`."""
    bad = _CONTROL.search(value)
    if bad:
        return (f"contains {_describe(bad.group())} at character {bad.start() + 1}: control and "
                "bidirectional-override characters are not accepted")
    if not multiline:
        brk = _LINE_BREAK.search(value)
        if brk:
            return f"contains {_describe(brk.group())} at character {brk.start() + 1}: this field is a single line"
    return None


_ANY = re.compile(f"{_CONTROL.pattern}|{_LINE_BREAK.pattern}")


def _strings(data: Any, out: list[str]) -> list[str]:
    if isinstance(data, str):
        out.append(data)
    elif isinstance(data, dict):
        out.extend(k for k in data if isinstance(k, str))
        for value in data.values():
            _strings(value, out)
    elif isinstance(data, list):
        for value in data:
            _strings(value, out)
    return out


def text_errors(data: Any, path: str = "", *, multiline: bool = False) -> list[FieldError]:
    """Every text in plain JSON-like data (keys included) that `text_problem` refuses, by its path."""
    # One scan of all the texts first: most data holds nothing to refuse, and is not walked field by field.
    if _clean_json(data) or not _ANY.search(" ".join(_strings(data, []))):
        return []
    return _walk(data, path, multiline)


def _clean_json(data: Any) -> bool:
    """True if no text of `data` (keys included) holds a character `_ANY` finds, told from its JSON: orjson
    writes each character of a text as it is or escaped after a backslash, and escapes every one below U+0020;
    so JSON without a backslash in which `_ANY` finds nothing has no such text (about 2 us against 10 us for
    gathering the texts). False when that cannot be told this way (a backslash, data orjson does not write)."""
    try:
        text = orjson.dumps(data)
    except TypeError:  # not plain JSON data (a key not a text, an integer beyond 64 bits, a lone surrogate)
        return False
    return b"\\" not in text and not _ANY.search(text.decode())


def _walk(data: Any, path: str, multiline: bool) -> list[FieldError]:
    out: list[FieldError] = []
    if isinstance(data, str):
        reason = text_problem(data, multiline=multiline)
        if reason:
            out.append(FieldError(path or "(body)", reason))
    elif isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (reason := text_problem(key)):
                out.append(FieldError(where, f"the field name {reason}"))
            out += _walk(value, where, key in MULTILINE)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _walk(value, f"{path}[{i}]", multiline)
    return out


# ---- dates in filters ----------------------------------------------------------------------------

_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHEN = "a date (2026-11-28) or a date-time with a timezone (2026-11-28T10:00:00Z)"


def _date_or_time(value: Any) -> date | datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"must be {_WHEN}")
        return value.astimezone(UTC)
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if _PLAIN_DATE.fullmatch(text):
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not {_WHEN}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no timezone: give {_WHEN}")
    return moment.astimezone(UTC)


DateOrTime = Annotated[date | datetime, PlainValidator(_date_or_time),
                       WithJsonSchema({"type": "string", "description": _WHEN})]


def range_start(value: date | datetime | None) -> datetime | None:
    """A range's first moment: a plain date starts at 00:00 UTC that day."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=UTC)


def range_end(value: date | datetime | None) -> datetime | None:
    """A range's end, exclusive: a plain date includes its whole day (ends at 00:00 UTC the next day)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value + timedelta(days=1), time(0), tzinfo=UTC)
