"""Capacity-building matching: which projects best cover an economy's unimplemented priority measures,
with every score explained, and the gaps no project covers. No database here.

The score is a sum the reader can redo by hand: for each measure the project covers that the economy has
not implemented and marked as a priority, the priority's weight (high 3, medium 2, low 1), plus 1 when
the economy asks for assistance with it (Category C, TFA Art. 14.1(c), or technical assistance named).
Only projects the economy is eligible for, that are not completed or cancelled and have not ended, are
ranked; the others are listed with the reason they were left out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from clearway.tfa.core import Commitment, is_implemented, needs_help
from clearway.tfa.measures import sort_key

PRIORITY_WEIGHTS = {"high": 3, "medium": 2, "low": 1}
HELP_BONUS = 1
PROJECT_STATUSES = ("planned", "ongoing", "completed", "cancelled")
CLOSED = ("completed", "cancelled")


@dataclass(frozen=True)
class Project:
    code: str
    title: str
    donor: str  # donor or implementer
    measures: tuple[str, ...]
    eligible: tuple[str, ...]  # economy codes; empty = every APEC economy
    modality: str
    status: str = "planned"
    start: date | None = None
    end: date | None = None


def is_eligible(project: Project, economy: str) -> bool:
    return not project.eligible or economy in project.eligible


def is_open(project: Project, *, today: date) -> bool:
    return project.status not in CLOSED and (project.end is None or project.end >= today)


@dataclass(frozen=True)
class Need:
    measure: str
    priority: str
    weight: int
    category: str
    help_asked: bool


@dataclass(frozen=True)
class Match:
    project: Project
    score: int
    covered: tuple[Need, ...]
    need_weight: int  # the sum of the weights of all the economy's needs
    explanation: tuple[str, ...]

    @property
    def share(self) -> int:
        """Per cent of the economy's need weight this project covers."""
        return round(100 * self.score / self.need_weight) if self.need_weight else 0


@dataclass(frozen=True)
class Ranking:
    economy: str
    needs: tuple[Need, ...]
    matches: tuple[Match, ...]
    left_out: tuple[tuple[Project, str], ...] = field(default=())


def needs_of(commitments: Iterable[Commitment], economy: str) -> list[Need]:
    """The economy's unimplemented priority measures, heaviest first."""
    out = []
    for c in commitments:
        if c.economy != economy or is_implemented(c) or c.priority not in PRIORITY_WEIGHTS:
            continue
        helped = needs_help(c)
        out.append(Need(c.measure, c.priority, PRIORITY_WEIGHTS[c.priority] + (HELP_BONUS if helped else 0),
                        c.category, helped))
    return sorted(out, key=lambda n: (-n.weight, n.measure))


def _why_left_out(project: Project, economy: str, today: date) -> str | None:
    if not is_eligible(project, economy):
        return f"{economy} is not among the eligible economies ({', '.join(project.eligible)})"
    if project.status in CLOSED:
        return f"project is {project.status}"
    if project.end is not None and project.end < today:
        return f"project ended on {project.end.isoformat()}"
    return None


def _explain(project: Project, covered: Sequence[Need], score: int, need_weight: int, today: date) -> tuple[str, ...]:
    lines = [f"covers {len(covered)} of the economy's unimplemented priority measures: "
             + ", ".join(n.measure for n in covered)]
    for n in covered:
        extra = f" + {HELP_BONUS} (assistance asked: Category {n.category})" if n.help_asked and n.category == "C" \
            else (f" + {HELP_BONUS} (technical assistance asked)" if n.help_asked else "")
        lines.append(f"{n.measure}: priority {n.priority} = {PRIORITY_WEIGHTS[n.priority]}{extra}")
    lines.append(f"score {score} of the economy's total need weight {need_weight}")
    lines.append("eligible: " + ("every APEC economy" if not project.eligible else "named among "
                                 + ", ".join(project.eligible)))
    when = ""
    if project.start and project.start > today:
        when = f", starts {project.start.isoformat()}"
    elif project.end:
        when = f", runs to {project.end.isoformat()}"
    lines.append(f"modality {project.modality}, status {project.status}{when}")
    return tuple(lines)


def rank(commitments: Sequence[Commitment], projects: Iterable[Project], *, economy: str, today: date) -> Ranking:
    """The projects covering at least one of the economy's needs, best first: highest score, then more
    measures covered, then the earliest start, then the code."""
    needs = needs_of(commitments, economy)
    by_measure = {n.measure: n for n in needs}
    total = sum(n.weight for n in needs)
    matches, left_out = [], []
    for p in projects:
        covered = tuple(sorted((by_measure[m] for m in set(p.measures) if m in by_measure),
                               key=lambda n: (-n.weight, n.measure)))
        if not covered:
            continue
        reason = _why_left_out(p, economy, today)
        if reason:
            left_out.append((p, reason))
            continue
        score = sum(n.weight for n in covered)
        matches.append(Match(p, score, covered, total, _explain(p, covered, score, total, today)))
    matches.sort(key=lambda m: (-m.score, -len(m.covered), m.project.start or date.max, m.project.code))
    return Ranking(economy, tuple(needs), tuple(matches), tuple(sorted(left_out, key=lambda x: x[0].code)))


@dataclass(frozen=True)
class Gap:
    measure: str
    economies: tuple[str, ...]  # those needing help with it that no open, eligible project covers


def gaps(commitments: Iterable[Commitment], projects: Sequence[Project], *, today: date) -> list[Gap]:
    """Measures that economies need help with (not implemented; Category C or assistance named) and no
    open project they are eligible for covers, in treaty order."""
    uncovered: dict[str, list[str]] = {}
    for c in commitments:
        if not needs_help(c):
            continue
        if any(c.measure in p.measures and is_eligible(p, c.economy) and is_open(p, today=today) for p in projects):
            continue
        uncovered.setdefault(c.measure, []).append(c.economy)
    order = sorted(uncovered, key=sort_key)
    return [Gap(m, tuple(sorted(uncovered[m]))) for m in order]
