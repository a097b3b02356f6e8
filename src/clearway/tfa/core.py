"""The stock-take's rules: overdue definitive dates, implementation rate by category, the heat map.
No database here: plain records in, plain records out.

Legal basis: WTO Agreement on Trade Facilitation (WT/L/931), Section II. Art. 14: Category A measures
are implemented upon entry into force, B after a transitional period, C after a transitional period and
with capacity-building support. Art. 16.1: a developing member notifies definitive dates for B and C.
Art. 17.1: a developing member that has difficulty meeting a definitive date notifies the Committee no
later than 120 days before it (LDCs: 90 days)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from clearway.tfa.measures import ENTRY_INTO_FORCE

CATEGORIES = ("A", "B", "C")
STATUSES = ("not_started", "in_progress", "implemented")
PRIORITIES = ("high", "medium", "low")  # or None: not one of the economy's priorities
EARLY_WARNING = timedelta(days=120)  # Art. 17.1(a), developing members


@dataclass(frozen=True)
class Commitment:
    economy: str
    measure: str
    category: str
    status: str = "not_started"
    percent: int = 0  # 0..100, how far implementation has come
    indicative_date: date | None = None
    definitive_date: date | None = None
    priority: str | None = None
    ta_needed: str | None = None  # the technical assistance the economy says it needs
    evidence: str | None = None


def due_date(c: Commitment) -> date | None:
    """The date by which the measure must be implemented: its definitive date, or for Category A
    (no date of its own) the entry into force of the Agreement (Art. 15.1)."""
    if c.definitive_date is not None:
        return c.definitive_date
    return ENTRY_INTO_FORCE if c.category == "A" else None


def is_implemented(c: Commitment) -> bool:
    return c.status == "implemented"


def needs_help(c: Commitment) -> bool:
    """Not implemented, and the economy asks for assistance: Category C (Art. 14.1(c): implementation
    needs capacity-building support) or technical assistance named."""
    return not is_implemented(c) and (c.category == "C" or bool(c.ta_needed and c.ta_needed.strip()))


@dataclass(frozen=True)
class Overdue:
    commitment: Commitment
    due: date
    days_late: int


def overdue(commitments: Iterable[Commitment], *, today: date) -> list[Overdue]:
    """Commitments past their due date and not implemented, the longest late first."""
    late = [Overdue(c, d, (today - d).days) for c in commitments
            if not is_implemented(c) and (d := due_date(c)) is not None and d < today]
    return sorted(late, key=lambda o: (-o.days_late, o.commitment.economy, o.commitment.measure))


def early_warning_due(commitments: Iterable[Commitment], *, today: date) -> list[tuple[Commitment, date]]:
    """Commitments whose definitive date is still ahead but whose Art. 17 notice (120 days before it) is due
    now or has passed: (commitment, the last day to ask for an extension), soonest first."""
    found = [(c, c.definitive_date - EARLY_WARNING) for c in commitments
             if not is_implemented(c) and c.definitive_date is not None
             and today <= c.definitive_date and c.definitive_date - EARLY_WARNING <= today]
    return sorted(found, key=lambda pair: (pair[1], pair[0].measure))


def percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CategoryRate:
    category: str
    measures: int
    implemented: int
    rate: Decimal | None  # implemented / measures, in percent
    progress: Decimal | None  # mean of the percentages entered, in percent


def rate_by_category(commitments: Sequence[Commitment]) -> list[CategoryRate]:
    """For one economy: per category, how many of its measures are implemented (an implemented measure
    counts 100 % in the progress, whatever percentage was typed)."""
    out = []
    for cat in CATEGORIES:
        rows = [c for c in commitments if c.category == cat]
        done = sum(is_implemented(c) for c in rows)
        progress = sum(100 if is_implemented(c) else c.percent for c in rows)
        out.append(CategoryRate(cat, len(rows), done, percent(done, len(rows)),
                                (Decimal(progress) / len(rows)).quantize(Decimal("0.1")) if rows else None))
    rows = list(commitments)
    done = sum(is_implemented(c) for c in rows)
    progress = sum(100 if is_implemented(c) else c.percent for c in rows)
    out.append(CategoryRate("all", len(rows), done, percent(done, len(rows)),
                            (Decimal(progress) / len(rows)).quantize(Decimal("0.1")) if rows else None))
    return out


@dataclass(frozen=True)
class Cell:
    economy: str
    measure: str
    level: int | None  # 0..100 (implemented = 100), None = nothing entered
    status: str | None
    category: str | None


def heat_map(commitments: Iterable[Commitment], *, economies: Sequence[str],
             measures: Sequence[str]) -> list[list[Cell]]:
    """Rows of economies, columns of measures (in the orders given); a cell's level is how far the
    measure is implemented there."""
    by_key = {(c.economy, c.measure): c for c in commitments}
    rows = []
    for e in economies:
        row = []
        for m in measures:
            c = by_key.get((e, m))
            level = None if c is None else (100 if is_implemented(c) else c.percent)
            row.append(Cell(e, m, level, c.status if c else None, c.category if c else None))
        rows.append(row)
    return rows


def still_needed(commitments: Iterable[Commitment], *, measure: str) -> list[Commitment]:
    """The economies that have not yet implemented one measure, the most overdue first (no date last)."""
    rows = [c for c in commitments if c.measure == measure and not is_implemented(c)]
    return sorted(rows, key=lambda c: (due_date(c) or date.max, c.economy))


def refusals(c: Commitment) -> list[tuple[str, str]]:
    """(field, reason) for an entry that cannot stand as it is; empty when it can."""
    found = []
    if c.category not in CATEGORIES:
        found.append(("category", f"must be one of {', '.join(CATEGORIES)}"))
    if c.status not in STATUSES:
        found.append(("status", f"must be one of {', '.join(STATUSES)}"))
    if c.status == "implemented" and c.percent != 100:
        found.append(("percent", "must be 100 when status is implemented"))
    if c.status == "not_started" and c.percent != 0:
        found.append(("percent", "must be 0 when status is not_started"))
    if c.status == "implemented" and not (c.evidence and c.evidence.strip()):
        found.append(("evidence", "is required when status is implemented (the law, notice or system that shows it)"))
    for name, day in (("indicative_date", c.indicative_date), ("definitive_date", c.definitive_date)):
        if day is not None and day < ENTRY_INTO_FORCE:
            found.append((name, f"is before the Agreement entered into force ({ENTRY_INTO_FORCE.isoformat()})"))
    return found
