"""Gender and customs: workforce head counts and shares, the self-assessment (ratings, scores, open actions).
Shares and scores are public aggregates; ratings' evidence and action owners stay with the administration."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response

from clearway.api.deps import Ctx, Who
from clearway.db import utcnow
from clearway.tfa.schemas import ChangeOut
from clearway.workforce import core, service
from clearway.workforce.models import SelfAssessmentRating, WorkforceMetrics
from clearway.workforce.principles import indicators, principles
from clearway.workforce.schemas import GradeIn, MetricsIn, MetricsOut, RatingIn, RatingOut, ScoresOut, SharesOut

router = APIRouter(prefix="/api/v1/workforce", tags=["workforce"])


def render(row: WorkforceMetrics) -> MetricsOut:
    m = service.to_core(row)
    return MetricsOut(economy=row.economy, year=row.year, staff=row.staff, women=row.women,
                      frontline_staff=row.frontline_staff, frontline_women=row.frontline_women, recruits=row.recruits,
                      recruits_women=row.recruits_women, leaders=row.leaders, leaders_women=row.leaders_women,
                      trained=row.trained, grades={g: GradeIn(staff=s, women=w) for g, (s, w) in m.grades.items()},
                      shares=core.shares(m), grade_shares=core.grade_shares(m), illustrative=row.illustrative,
                      updated_at=row.updated_at, updated_by=row.updated_by)


def render_rating(row: SelfAssessmentRating, today: date) -> RatingOut:
    ind = indicators()[row.indicator]
    return RatingOut(economy=row.economy, assessed_on=row.assessed_on, indicator=row.indicator, indicator_text=ind.text,
                     principle=ind.principle, rating=row.rating, evidence=row.evidence, action=row.action,
                     action_owner=row.action_owner, action_due=row.action_due, action_done=row.action_done,
                     overdue=bool(row.action and not row.action_done and row.action_due and row.action_due < today),
                     illustrative=row.illustrative, updated_at=row.updated_at, updated_by=row.updated_by)


@router.put("/metrics/{economy}/{year}", response_model=MetricsOut, responses={201: {"description": "created"}})
def put_metrics(economy: str, year: int, body: MetricsIn, who: Who, ctx: Ctx, response: Response) -> MetricsOut:
    with ctx.uow() as session:
        row, created = service.put_metrics(session, principal=who, actor=who.actor, economy=economy, year=year,
                                           body=body)
        response.status_code = 201 if created else 200
        return render(row)


@router.get("/metrics", response_model=list[MetricsOut])
def list_metrics(who: Who, ctx: Ctx, economy: str | None = None) -> list[MetricsOut]:
    """The head counts of the key's own economy, every year (its officers and admin only)."""
    with ctx.uow() as session:
        return [render(r) for r in service.own_metrics(session, principal=who, economy=economy)]


@router.get("/metrics/{economy}/{year}", response_model=MetricsOut)
def read_metrics(economy: str, year: int, who: Who, ctx: Ctx) -> MetricsOut:
    with ctx.uow() as session:
        return render(service.metrics_of(session, principal=who, economy=economy, year=year))


@router.get("/metrics/{economy}/{year}/history", response_model=list[ChangeOut])
def metrics_history(economy: str, year: int, who: Who, ctx: Ctx) -> list[ChangeOut]:
    with ctx.uow() as session:
        return [ChangeOut(**c) for c in service.metrics_history(session, principal=who, economy=economy, year=year)]


@router.get("/regional", response_model=list[SharesOut])
def regional(ctx: Ctx) -> list[SharesOut]:
    """What an installation publishes to the regional view: each administration's shares per year, groups of
    fewer than 5 people left out (aggregates only; no record of a person)."""
    with ctx.uow() as session:
        rows = [(r, core.published(service.to_core(r))) for r in service.metrics(session)]
    return [SharesOut(economy=r.economy, year=r.year, shares=shares, grade_shares=grades, illustrative=r.illustrative)
            for r, (shares, grades) in rows]


@router.put("/assessments/{economy}/{assessed_on}/{indicator}", response_model=RatingOut,
            responses={201: {"description": "created"}})
def put_rating(economy: str, assessed_on: date, indicator: str, body: RatingIn, who: Who, ctx: Ctx,
               response: Response) -> RatingOut:
    with ctx.uow() as session:
        row, created = service.put_rating(session, principal=who, actor=who.actor, economy=economy,
                                          assessed_on=assessed_on, indicator=indicator, body=body)
        response.status_code = 201 if created else 200
        return render_rating(row, utcnow().date())


@router.get("/assessments/{economy}", response_model=list[RatingOut])
def list_ratings(economy: str, who: Who, ctx: Ctx) -> list[RatingOut]:
    """Every rating with its evidence and action: the economy's own officers and admin only."""
    today = utcnow().date()
    with ctx.uow() as session:
        return [render_rating(r, today) for r in service.ratings(session, principal=who, economy=economy)]


@router.get("/actions/{economy}", response_model=list[RatingOut])
def open_actions(economy: str, who: Who, ctx: Ctx) -> list[RatingOut]:
    """Actions not done, from each indicator's latest assessment, earliest due first (own customs only)."""
    today = utcnow().date()
    with ctx.uow() as session:
        rows = service.ratings(session, principal=who, economy=economy)
        by_key = {(r.assessed_on, r.indicator): r for r in rows}
        found = core.open_actions([service.to_rating(r) for r in rows], today=today)
        return [render_rating(by_key[(r.assessed_on, r.indicator)], today) for r, _ in found]


@router.get("/scores/{economy}", response_model=ScoresOut)
def scores(economy: str, ctx: Ctx) -> ScoresOut:
    """The self-assessment score per principle (per cent of the top rating) per assessment date: public."""
    with ctx.uow() as session:
        found = service.scores(session, economy=economy)
    return ScoresOut(economy=economy.upper(), principles={p.code: p.name for p in principles()}, scores=found)
