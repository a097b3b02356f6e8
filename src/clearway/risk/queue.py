"""The officer's queue, as pure rules: which declarations need a human, in which order, and why each
was selected. No database here: clearway.flows.workbench loads the cases and calls `build`.

A declaration needs a human while it is not final and either
- its lane is yellow or red and its control is not recorded yet (status under_control), or
- a control finding is open on it (a certificate that does not match, a seal alert...): whatever
  the lane, the finding holds release until an officer deals with it.

Order (issue 12, and the lane selector's own precedence in clearway.risk.lanes):
1. priority: essential goods first (the "priority queue" the lane selector names; the same treatment
   WTO TFA Article 7.9.2 requires for perishable goods: "appropriate priority ... when scheduling any
   examinations that may be required", https://tfadatabase.org/tfa-text/measure/23),
2. risk: the stronger lane first (red, then yellow), then the higher rank (model probability plus the
   points of score rules, as the lane selector ranked it),
3. waiting time: the longest waiting first.

Each entry says why it is there, in the officer's words: the targeting rules that hit (code, version,
name, what they did), the model's score and the facts that raised it most, each open finding
(certificate mismatches and seal alerts by name), and whether it was a random selection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from clearway.controls.core import LANES, mandatory_lane, stronger
from clearway.declarations.core import FINAL

TOP_MODEL_REASONS = 3  # the facts that raised the score most, as the officer reads them
_SOURCE_KIND = {"certificates": "certificate", "seals": "seal"}


@dataclass(frozen=True)
class Hit:
    """A targeting rule that held for the lane decision, with the version's own name and points."""

    code: str
    version: int
    action: str  # red | yellow | score
    name: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class OpenFinding:
    source: str  # certificates | seals | ...
    code: str
    lane: str
    reason: str
    reference: str | None
    raised_at: datetime


@dataclass(frozen=True)
class Case:
    """One declaration as the queue needs it: plain data, loaded by the workbench flow."""

    mrn: str
    status: str
    office: str
    declarant: str
    accepted_at: datetime
    under_control_since: datetime | None = None
    lane: str | None = None  # of the latest lane decision; None before the lane is chosen
    basis: str | None = None  # mandatory | rule | score | random | none
    random: bool = False
    priority: str = "normal"  # essential | normal
    probability: float | None = None
    rank: float = 0.0
    model_reasons: tuple[str, ...] = ()  # texts, strongest first
    hits: tuple[Hit, ...] = ()
    findings: tuple[OpenFinding, ...] = ()
    control_done: bool = False  # the control of the current lane decision is recorded
    environmental_goods: bool = False  # carries goods under a line of APEC's list (flows.environmental_goods)


@dataclass(frozen=True)
class Why:
    kind: str  # rule | model | certificate | seal | finding | random | priority | lane
    text: str


@dataclass(frozen=True)
class Entry:
    case: Case
    lane: str  # the stronger of the decided lane and what the open findings require
    waiting_since: datetime
    waiting: timedelta
    awaiting: str  # control | finding
    why: tuple[Why, ...] = field(default_factory=tuple)

    @property
    def essential(self) -> bool:
        return self.case.priority == "essential"


def awaits_control(case: Case) -> bool:
    """Yellow or red, not yet controlled."""
    return case.status == "under_control" and not case.control_done


def needs_human(case: Case) -> bool:
    return case.status not in FINAL and (awaits_control(case) or bool(case.findings))


def effective_lane(case: Case) -> str:
    return stronger(case.lane or "green", mandatory_lane([f.lane for f in case.findings]))


def waiting_since(case: Case) -> datetime:
    """Since when the declaration waits for a human: it went under control, or (held before or after
    its control) its oldest open finding was raised."""
    if awaits_control(case) and case.under_control_since is not None:
        return case.under_control_since
    raised = [f.raised_at for f in case.findings]
    return min(raised) if raised else (case.under_control_since or case.accepted_at)


def _points(score: float) -> str:
    return f"{score:+.2f}".rstrip("0").rstrip(".")


def rule_text(h: Hit) -> str:
    what = {"red": "forces the red lane", "yellow": "forces the yellow lane"}.get(
        h.action, f"adds {_points(h.score)} to the rank")
    name = f" ({h.name})" if h.name else ""
    return f"targeting rule {h.code} v{h.version}{name} {what}"


def explain(case: Case) -> tuple[Why, ...]:
    """Why the declaration is in the queue, strongest ground first."""
    why: list[Why] = []
    for f in case.findings:
        kind = _SOURCE_KIND.get(f.source, "finding")
        label = {"certificate": "certificate " + ("missing" if f.code.endswith("missing") else "mismatch"),
                 "seal": "seal alert" + (f" {f.reference}" if f.reference else "")}.get(kind, f"{f.source} finding")
        why.append(Why(kind, f"{label} ({f.lane} lane required): {f.reason}"))
    why += [Why("rule", rule_text(h)) for h in case.hits]
    if case.probability is not None:
        head = f"model score {case.probability:.2f}"
        if case.basis == "score":
            head += f", ranked {case.rank:.2f}: within the {case.lane} capacity"
        reasons = case.model_reasons[:TOP_MODEL_REASONS]
        why.append(Why("model", head + (" - " + "; ".join(reasons) if reasons else "")))
    elif case.basis == "score":
        why.append(Why("model", f"ranked {case.rank:.2f} (points of score rules): within the {case.lane} capacity"))
    if case.random:
        why.append(Why("random", f"random selection for compliance measurement ({case.lane} lane, outside the "
                                 "capacity): an unbiased sample, not a suspicion"))
    if case.priority == "essential":
        why.append(Why("priority", "essential goods: priority queue"))
    if awaits_control(case) and not why:
        why.append(Why("lane", f"{case.lane or 'controlled'} lane awaiting control"))
    if case.control_done and case.findings:
        why.append(Why("lane", "control recorded; the open findings still hold release"))
    return tuple(why)


def entry(case: Case, *, now: datetime) -> Entry:
    since = waiting_since(case)
    return Entry(case=case, lane=effective_lane(case), waiting_since=since, waiting=max(now - since, timedelta(0)),
                 awaiting="control" if awaits_control(case) else "finding", why=explain(case))


def order_key(e: Entry) -> tuple:
    """Essential first, then the stronger lane, the higher rank, the longest wait; the MRN breaks ties."""
    return (e.case.priority != "essential", -LANES.index(e.lane), -e.case.rank, e.waiting_since, e.case.mrn)


def build(cases: list[Case], *, now: datetime) -> list[Entry]:
    """The queue: the cases that need a human, ordered, each with its reasons."""
    return sorted((entry(c, now=now) for c in cases if needs_human(c)), key=order_key)
