"""Live evidence, from the economy's own data, for the TFA measures Clearway itself implements. Read-only
counts over other domains' tables (their models, never their services), shown beside what the admin
entered. Each figure says what it counts, so that a reader can check it against the source records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.certificates.models import Certificate
from clearway.declarations.models import Declaration, DeclarationDocument
from clearway.payments.core import METHODS
from clearway.payments.models import Payment
from clearway.release.models import Release
from clearway.risk.models import LaneDecisionRow, RiskPolicy
from clearway.tfa.core import percent


@dataclass(frozen=True)
class Evidence:
    measure: str
    indicator: str
    value: Decimal | None
    unit: str  # "%", "hours", "certificates"
    numerator: int
    denominator: int
    basis: str


def _share(measure: str, indicator: str, part: int, whole: int, basis: str) -> Evidence:
    return Evidence(measure, indicator, percent(part, whole), "%", part, whole, basis)


def _declarations(session: Session, economy: str) -> int:
    return session.scalar(select(func.count()).select_from(Declaration).where(Declaration.economy == economy)) or 0


def pre_arrival(session: Session, economy: str) -> Evidence:
    rows = session.execute(select(Declaration.accepted_at, Declaration.content["arrival"].as_string())
                           .where(Declaration.economy == economy)).all()
    before = sum(1 for accepted, arrival in rows if arrival and accepted < datetime.fromisoformat(arrival))
    return _share("7.1", "declarations lodged before the goods arrived", before, len(rows),
                  "declarations whose acceptance time is before their declared arrival time, of all declarations")


def e_payment(session: Session, economy: str) -> Evidence:
    q = select(Payment.method, func.count()).join(Declaration, Declaration.id == Payment.declaration_id) \
        .where(Declaration.economy == economy).group_by(Payment.method)
    by_method = dict(session.execute(q).all())
    electronic = sum(n for m, n in by_method.items() if m in METHODS)
    return _share("7.2", "duty payments made electronically", electronic, sum(by_method.values()),
                  "payments by " + " or ".join(METHODS) + " (every method Clearway takes is electronic), of all "
                  "payments recorded")


def _releases_by_basis(session: Session, economy: str) -> dict[str, int]:
    q = select(Release.basis, func.count()).join(Declaration, Declaration.id == Release.declaration_id) \
        .where(Declaration.economy == economy).group_by(Release.basis)
    return dict(session.execute(q).all())


def release_against_guarantee(session: Session, economy: str) -> Evidence:
    basis = _releases_by_basis(session, economy)
    due = basis.get("paid", 0) + basis.get("secured", 0)
    return _share("7.3", "releases against a guarantee before duties were paid", basis.get("secured", 0), due,
                  "releases on the basis 'secured', of releases where duties were due (paid or secured)")


def risk_lanes(session: Session, economy: str) -> Evidence:
    q = select(LaneDecisionRow.lane, func.count()).where(LaneDecisionRow.economy == economy) \
        .group_by(LaneDecisionRow.lane)
    lanes = dict(session.execute(q).all())
    return _share("7.4", "declarations released without control (green lane)", lanes.get("green", 0),
                  sum(lanes.values()), "lane decisions by the risk engine that were green, of all lane decisions; "
                  + ", ".join(f"{k} {v}" for k, v in sorted(lanes.items())))


def release_time(session: Session, economy: str) -> Evidence:
    rows = session.execute(select(Declaration.accepted_at, Release.released_at)
                           .join(Release, Release.declaration_id == Declaration.id)
                           .where(Declaration.economy == economy)).all()
    seconds = sum(int((released - accepted).total_seconds()) for accepted, released in rows)
    mean = (Decimal(seconds) / Decimal(3600 * len(rows))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) \
        if rows else None
    return Evidence("7.6", "average time from acceptance to release", mean, "hours", len(rows), len(rows),
                    "mean of (release time - acceptance time) over released declarations; a WCO Time Release "
                    "Study measures from arrival, so this is one of its intervals")


def authorised_operators(session: Session, economy: str) -> Evidence:
    latest = session.scalars(select(RiskPolicy).where(RiskPolicy.economy == economy)
                             .order_by(RiskPolicy.version.desc()).limit(1)).first()
    trusted = set((latest.policy or {}).get("trusted_traders", [])) if latest else set()
    total = _declarations(session, economy)
    by_trusted = 0
    if trusted:
        by_trusted = session.scalar(select(func.count()).select_from(Declaration).where(
            Declaration.economy == economy, Declaration.declarant_id.in_(trusted))) or 0
    return _share("7.7", f"declarations lodged by the {len(trusted)} trusted traders of the lane policy", by_trusted,
                  total, "declarations whose declarant is a trusted trader in the current lane policy (their rank "
                         "and random share are lowered), of all declarations")


def copies(session: Session, economy: str) -> Evidence:
    with_docs = session.scalar(select(func.count(func.distinct(DeclarationDocument.declaration_id)))
                               .join(Declaration, Declaration.id == DeclarationDocument.declaration_id)
                               .where(Declaration.economy == economy)) or 0
    return _share("10.2", "declarations whose supporting documents were accepted as electronic references",
                  with_docs, _declarations(session, economy),
                  "declarations citing at least one supporting document by reference (no paper original), "
                  "of all declarations")


def single_window(session: Session, economy: str) -> Evidence:
    n = session.scalar(select(func.count()).select_from(Certificate).where(
        (Certificate.exporting_economy == economy) | (Certificate.importing_economy == economy))) or 0
    return Evidence("10.4", "ePhyto certificates exchanged electronically with other agencies and economies",
                    Decimal(n), "certificates", n, n,
                    "electronic phytosanitary certificates issued or received here through the hub, one entry "
                    "point for the plant-protection agency's document")


CALCULATIONS: tuple[Callable[[Session, str], Evidence], ...] = (
    pre_arrival, e_payment, release_against_guarantee, risk_lanes, release_time, authorised_operators, copies,
    single_window)


def live(session: Session, *, economy: str) -> list[Evidence]:
    """Every figure for one economy, in treaty order."""
    return [calc(session, economy) for calc in CALCULATIONS]
