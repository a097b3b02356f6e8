"""Load, check, store: head counts and self-assessment ratings, each change appended to the audit chain.
Published (public): the shares, small groups left out (core.published), and the scores per principle. The head
counts and the ratings (evidence, action owners) are read by the administration's own customs only."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event, history
from clearway.auth.core import Principal, administers, is_customs
from clearway.db import utcnow
from clearway.reference.economies import checked as check_economy
from clearway.errors import FieldError, Forbidden, Invalid, NotFound
from clearway.workforce import core
from clearway.workforce.models import SelfAssessmentRating, WorkforceMetrics
from clearway.workforce.principles import indicators
from clearway.workforce.schemas import MetricsIn, RatingIn


def own_customs(principal: Principal | None, economy: str) -> bool:
    """The head counts and the ratings' evidence and owners stay with the administration: its officers and its
    admin read them."""
    return principal is not None and is_customs(principal) and principal.economy == economy


def _readable(principal: Principal | None, economy: str, what: str) -> None:
    if not own_customs(principal, economy):
        raise Forbidden(f"{what} of {economy} are read by {economy}'s customs only; the public reads the shares "
                        "(/api/v1/workforce/regional) and the scores")


def _guard(principal: Principal | None, economy: str) -> None:
    if principal is not None and not administers(principal, economy):
        raise Forbidden(f"only the admin of {economy} edits {economy}'s entries",
                        errors=[FieldError("economy", f"is not the economy this key administers ({principal.economy})")])


def to_core(row: WorkforceMetrics) -> core.Metrics:
    return core.Metrics(row.economy, row.year, row.staff, row.women, row.frontline_staff, row.frontline_women,
                        row.recruits, row.recruits_women, row.leaders, row.leaders_women, row.trained,
                        {g: (v[0], v[1]) for g, v in (row.grades or {}).items()})


def put_metrics(session: Session, *, principal: Principal | None, actor: str, economy: str, year: int,
                body: MetricsIn, illustrative: bool = False) -> tuple[WorkforceMetrics, bool]:
    economy = check_economy(economy)
    _guard(principal, economy)
    body.counts(economy, year, utcnow().year)
    values: dict[str, Any] = body.model_dump()
    values["grades"] = {g: [v["staff"], v["women"]] for g, v in values["grades"].items()}
    row = session.scalars(select(WorkforceMetrics).where(WorkforceMetrics.economy == economy,
                                                         WorkforceMetrics.year == year)).one_or_none()
    before = None if row is None else {k: getattr(row, k) for k in values}
    created = row is None
    if row is None:
        row = WorkforceMetrics(economy=economy, year=year)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.illustrative, row.updated_at, row.updated_by = illustrative, utcnow(), actor
    session.flush()
    append_event(session, actor=actor, action="workforce.metrics." + ("created" if created else "changed"),
                 entity_type="workforce_metrics", entity_id=f"{economy}:{year}", data={"before": before, "after": values})
    return row, created


def metrics(session: Session, *, economy: str | None = None) -> list[WorkforceMetrics]:
    """Every economy's head counts, or one's: for the published shares (core.published) and the pages."""
    q = select(WorkforceMetrics).order_by(WorkforceMetrics.economy, WorkforceMetrics.year)
    if economy is not None:
        q = q.where(WorkforceMetrics.economy == check_economy(economy))
    return list(session.scalars(q).all())


def own_metrics(session: Session, *, principal: Principal, economy: str | None = None) -> list[WorkforceMetrics]:
    """The head counts a key reads: its own economy's, and only if it is that economy's customs."""
    code = check_economy(economy or principal.economy)
    _readable(principal, code, "The head counts")
    return metrics(session, economy=code)


def metrics_of(session: Session, *, principal: Principal, economy: str, year: int) -> WorkforceMetrics:
    _readable(principal, check_economy(economy), "The head counts")
    row = session.scalars(select(WorkforceMetrics).where(WorkforceMetrics.economy == check_economy(economy),
                                                         WorkforceMetrics.year == year)).one_or_none()
    if row is None:
        raise NotFound(f"{economy.upper()} has reported no workforce figures for {year}")
    return row


def metrics_history(session: Session, *, principal: Principal, economy: str, year: int) -> list[dict[str, Any]]:
    """Every change of one year's head counts, oldest first (who, when, before, after)."""
    row = metrics_of(session, principal=principal, economy=economy, year=year)
    return history(session, entity_type="workforce_metrics", entity_id=f"{row.economy}:{row.year}")


def put_rating(session: Session, *, principal: Principal | None, actor: str, economy: str, assessed_on: date,
               indicator: str, body: RatingIn, illustrative: bool = False) -> tuple[SelfAssessmentRating, bool]:
    economy = check_economy(economy)
    _guard(principal, economy)
    code = indicator.strip().upper()
    if code not in indicators():
        raise Invalid(f"{indicator!r} is not an indicator of the self-assessment",
                      errors=[FieldError("indicator", "is not one of " + ", ".join(indicators()))])
    if body.action and not (body.action_owner and body.action_due):
        raise Invalid("an action needs an owner and a due date", errors=[
            FieldError("action_owner" if not body.action_owner else "action_due", "is required with an action")])
    row = session.scalars(select(SelfAssessmentRating).where(
        SelfAssessmentRating.economy == economy, SelfAssessmentRating.assessed_on == assessed_on,
        SelfAssessmentRating.indicator == code)).one_or_none()
    values = body.model_dump()
    before = None if row is None else {k: getattr(row, k) for k in values}
    created = row is None
    if row is None:
        row = SelfAssessmentRating(economy=economy, assessed_on=assessed_on, indicator=code)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.illustrative, row.updated_at, row.updated_by = illustrative, utcnow(), actor
    session.flush()
    append_event(session, actor=actor, action="workforce.rating." + ("created" if created else "changed"),
                 entity_type="workforce_rating", entity_id=f"{economy}:{assessed_on.isoformat()}:{code}",
                 data={"before": _without_owner(before), "after": _without_owner(values)})
    return row, created


def _without_owner(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The audit keeps the rating and whether an action has an owner, not the owner (personal data)."""
    return values and {**values, "action_owner": bool(values.get("action_owner"))}


def to_rating(row: SelfAssessmentRating) -> core.Rating:
    return core.Rating(row.economy, row.assessed_on, row.indicator, row.rating, row.action, row.action_owner,
                       row.action_due, row.action_done)


def ratings(session: Session, *, principal: Principal | None, economy: str) -> list[SelfAssessmentRating]:
    economy = check_economy(economy)
    _readable(principal, economy, "The self-assessment's evidence and actions")
    return list(session.scalars(select(SelfAssessmentRating).where(SelfAssessmentRating.economy == economy)
                                .order_by(SelfAssessmentRating.assessed_on, SelfAssessmentRating.indicator)).all())


def scores(session: Session, *, economy: str) -> dict[date, dict[str, Any]]:
    """Public: the score per principle per assessment date (no evidence, no owners)."""
    economy = check_economy(economy)
    rows = session.execute(select(SelfAssessmentRating.assessed_on, SelfAssessmentRating.indicator,
                                  SelfAssessmentRating.rating).where(SelfAssessmentRating.economy == economy)).all()
    return core.scores(core.Rating(economy, d, i, r) for d, i, r in rows)
