"""Workforce shares and self-assessment scores, from counts and ratings. No database here.

Shares are computed from head counts (never typed as percentages), so that the regional view can
recompute and compare them; only these aggregates are published, never a person's record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from clearway.workforce.principles import TOP, principles

SHARES = ("overall", "frontline", "recruits", "leadership", "trained")
SHARE_LABELS = {"overall": "Women among all staff", "frontline": "Women in frontline border roles",
                "recruits": "Women among new recruits", "leadership": "Women in leadership",
                "trained": "Staff trained on gender bias and harassment"}


@dataclass(frozen=True)
class Metrics:
    """Head counts of one administration for one year."""
    economy: str
    year: int
    staff: int
    women: int
    frontline_staff: int = 0
    frontline_women: int = 0
    recruits: int = 0
    recruits_women: int = 0
    leaders: int = 0
    leaders_women: int = 0
    trained: int = 0  # staff (women and men) trained on gender bias and harassment
    grades: dict[str, tuple[int, int]] = field(default_factory=dict)  # grade -> (staff, women)


# Published shares leave out groups of fewer people than this: the share of women among two leaders tells who
# they are. The administration's own customs see every share.
SMALLEST_PUBLISHED = 5


def share(part: int, whole: int, smallest: int = 1) -> Decimal | None:
    if whole <= 0 or whole < smallest:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def inconsistencies(m: Metrics) -> list[tuple[str, str]]:
    """(field, reason) for counts that cannot be true together; empty when the record holds."""
    found = []
    pairs = [("women", m.women, "staff", m.staff), ("frontline_women", m.frontline_women, "frontline_staff",
             m.frontline_staff), ("recruits_women", m.recruits_women, "recruits", m.recruits),
             ("leaders_women", m.leaders_women, "leaders", m.leaders), ("trained", m.trained, "staff", m.staff)]
    for name, part, whole_name, whole in pairs:
        if part > whole:
            found.append((name, f"is {part}, more than {whole_name} ({whole})"))
    for name, whole in (("frontline_staff", m.frontline_staff), ("leaders", m.leaders)):
        if whole > m.staff:
            found.append((name, f"is {whole}, more than staff ({m.staff})"))
    for grade, (staff, women) in m.grades.items():
        if women > staff:
            found.append((f"grades.{grade}", f"women ({women}) more than staff ({staff})"))
    if m.grades and sum(s for s, _ in m.grades.values()) > m.staff:
        found.append(("grades", f"add up to more than staff ({m.staff})"))
    return found


def shares(m: Metrics, smallest: int = 1) -> dict[str, Decimal | None]:
    """Per cent of women (of staff trained, for "trained"); None for a group under `smallest` people."""
    return {"overall": share(m.women, m.staff, smallest),
            "frontline": share(m.frontline_women, m.frontline_staff, smallest),
            "recruits": share(m.recruits_women, m.recruits, smallest),
            "leadership": share(m.leaders_women, m.leaders, smallest), "trained": share(m.trained, m.staff, smallest)}


def grade_shares(m: Metrics, smallest: int = 1) -> dict[str, Decimal | None]:
    return {g: share(w, s, smallest) for g, (s, w) in m.grades.items()}


def visible(m: Metrics, *, own: bool) -> tuple[dict[str, Decimal | None], dict[str, Decimal | None]]:
    """The shares and grade shares a reader sees: every one for the administration's own customs, else the
    published ones."""
    return (shares(m), grade_shares(m)) if own else published(m)


def published(m: Metrics) -> tuple[dict[str, Decimal | None], dict[str, Decimal | None]]:
    """What leaves the installation: the shares and the grade shares, groups under SMALLEST_PUBLISHED left out."""
    return shares(m, SMALLEST_PUBLISHED), grade_shares(m, SMALLEST_PUBLISHED)


@dataclass(frozen=True)
class Rating:
    economy: str
    assessed_on: date
    indicator: str  # "P1.2"
    rating: int  # 0..TOP
    action: str | None = None
    owner: str | None = None
    due: date | None = None
    done: bool = False


def principle_of(indicator: str) -> str:
    return indicator.split(".", 1)[0]


def scores(ratings: Iterable[Rating]) -> dict[date, dict[str, Decimal]]:
    """Per assessment date, per principle: the mean rating as a percentage of the top of the scale
    (indicators not rated that day are left out, not counted as zero)."""
    grouped: dict[date, dict[str, list[int]]] = {}
    for r in ratings:
        grouped.setdefault(r.assessed_on, {}).setdefault(principle_of(r.indicator), []).append(r.rating)
    order = [p.code for p in principles()]
    out: dict[date, dict[str, Decimal]] = {}
    for day in sorted(grouped):
        got = grouped[day]
        out[day] = {p: (Decimal(100 * sum(got[p])) / Decimal(TOP * len(got[p]))).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP) for p in sorted(got, key=lambda c: order.index(c)
                                                                     if c in order else len(order))}
    return out


def open_actions(ratings: Sequence[Rating], *, today: date) -> list[tuple[Rating, bool]]:
    """Actions not done, from each indicator's latest assessment only, with whether each is overdue;
    the earliest due first (no due date last)."""
    latest: dict[str, Rating] = {}
    for r in sorted(ratings, key=lambda r: r.assessed_on):
        latest[r.indicator] = r
    found = [(r, r.due is not None and r.due < today) for r in latest.values() if r.action and not r.done]
    return sorted(found, key=lambda pair: (pair[0].due or date.max, pair[0].indicator))
