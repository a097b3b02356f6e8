"""What a caller may ask of the time-release report (API query, CLI options), checked once with errors that
name the field. No database here."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from clearway.errors import FieldError, Invalid
from clearway.timerelease import core
from clearway.timerelease.report import BOOLEAN_FILTERS, TEXT_FILTERS
from clearway.timerelease.schemas import TimeReleaseReport

BY = (*core.DIMENSIONS, "period")
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


def instant(field: str, text: str) -> datetime:
    """A date (midnight UTC) or a timezone-aware ISO 8601 time."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("bad date", errors=[FieldError(field, f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 "
                                                            "time")]) from None
    if value.tzinfo is None:
        raise Invalid("bad date", errors=[FieldError(field, f"{text!r} has no time zone (add Z or +hh:mm)")])
    return value.astimezone(UTC)


def window(date_from: str | None, date_to: str | None, *, now: datetime) -> tuple[datetime, datetime]:
    """[from, to): by default the last 30 days up to now; `to` as a date means up to the end of that day."""
    end = now if date_to is None else instant("to", date_to) + (timedelta(days=1) if len(date_to) == 10 else
                                                                  timedelta())
    start = end - timedelta(days=DEFAULT_DAYS) if date_from is None else instant("from", date_from)
    if end <= start:
        raise Invalid("the window is empty", errors=[FieldError("to", "must be after from")])
    if end - start > timedelta(days=MAX_DAYS):
        raise Invalid("the window is too long", errors=[FieldError("to", f"at most {MAX_DAYS} days after from")])
    return start, end


def filters(**given: str | None) -> dict[str, str]:
    out = {}
    for name, value in given.items():
        if value is None:
            continue
        if name in BOOLEAN_FILTERS and value not in ("yes", "no"):
            raise Invalid("bad filter", errors=[FieldError(name, f"{value!r}: yes or no")])
        if name not in BOOLEAN_FILTERS and name not in TEXT_FILTERS:
            raise Invalid("bad filter", errors=[FieldError(name, "not a filter of the time-release report")])
        out[name] = value.upper() if name == "office" else value
    return out


def targets(given: list[str]) -> dict[str, float]:
    """`interval:hours` pairs, e.g. arrival_to_release:24."""
    out = {}
    for i, text in enumerate(given):
        name, _, hours = text.partition(":")
        field = f"target[{i}]"
        if name not in core.BY_NAME:
            raise Invalid("bad target", errors=[FieldError(field, f"{name!r} is not an interval; one of "
                                                                  f"{', '.join(core.BY_NAME)}")])
        try:
            value = float(hours)
        except ValueError:
            value = float("nan")
        if not 0 <= value <= 24 * 365:
            raise Invalid("bad target", errors=[FieldError(field, f"{hours!r}: hours between 0 and 8760")])
        out[name] = value
    return out


FIELDS = ("group", "interval", "ended", "censored", "lacking", "inconsistent", "mean_hours", "median_hours",
          "p90_hours", "target_hours", "within_target")


def table_rows(rep: TimeReleaseReport) -> list[dict]:
    """The report as one flat table: the overall figures (group "all"), then each group's."""
    rows = [{"group": "all", **s.model_dump()} for s in rep.intervals]
    rows += [{"group": f"{rep.by}={g.value}", **s.model_dump()} for g in rep.groups for s in g.intervals]
    return rows


def to_csv(rep: TimeReleaseReport) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(table_rows(rep))
    return buf.getvalue()
