"""TFA stock-take: the public reads (commitments, stock-take, heat map, projects, matches, gaps) and the
edits, each by the admin of the economy concerned."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from clearway.api.deps import Ctx, Who
from clearway.db import utcnow
from clearway.tfa import core, matching, measures, service
from clearway.tfa.models import TfaCommitment, TfaProject
from clearway.tfa.schemas import (CategoryRateOut, ChangeOut, CommitmentIn, CommitmentOut, EvidenceOut, GapOut,
                                  GapsOut, HeatMapOut, LeftOutOut, MatchesOut, MatchOut, NeedOut, ProjectIn, ProjectOut,
                                  StocktakeOut)

router = APIRouter(prefix="/api/v1/tfa", tags=["tfa"])


def _today() -> date:
    return utcnow().date()


def render(row: TfaCommitment, today: date) -> CommitmentOut:
    entry = service.to_core(row)
    due = core.due_date(entry)
    late = (today - due).days if due and due < today and not core.is_implemented(entry) else None
    return CommitmentOut(economy=row.economy, measure=row.measure, measure_title=measures.get(row.measure).title,
                         category=row.category, indicative_date=row.indicative_date,
                         definitive_date=row.definitive_date, status=row.status, percent=row.percent,
                         evidence=row.evidence, priority=row.priority, ta_needed=row.ta_needed, due_date=due,
                         days_overdue=late, illustrative=row.illustrative, updated_at=row.updated_at,
                         updated_by=row.updated_by)


def render_project(row: TfaProject) -> ProjectOut:
    return ProjectOut(code=row.code, title=row.title, donor=row.donor, measures=row.measures, eligible=row.eligible,
                      modality=row.modality, status=row.status, start=row.start, end=row.end,
                      illustrative=row.illustrative, updated_at=row.updated_at, updated_by=row.updated_by)


def _need(n: matching.Need) -> NeedOut:
    return NeedOut(measure=n.measure, priority=n.priority, weight=n.weight, category=n.category,
                   help_asked=n.help_asked)


@router.get("/measures", response_model=list[measures.Measure])
def list_measures() -> list[dict]:
    """The 36 measures of TFA Section I (reference data, the same for every caller)."""
    return [m.__dict__ for m in measures.all_measures().values()]


@router.get("/commitments", response_model=list[CommitmentOut])
def list_commitments(ctx: Ctx, economy: Annotated[str | None, Query(description="only this economy")] = None
                     ) -> list[CommitmentOut]:
    today = _today()
    with ctx.uow() as session:
        return [render(r, today) for r in service.commitments(session, economy=economy)]


@router.get("/commitments/{economy}/{measure}", response_model=CommitmentOut)
def read_commitment(economy: str, measure: str, ctx: Ctx) -> CommitmentOut:
    with ctx.uow() as session:
        return render(service.commitment(session, economy=economy, measure=measure), _today())


@router.get("/commitments/{economy}/{measure}/history", response_model=list[ChangeOut])
def commitment_history(economy: str, measure: str, ctx: Ctx) -> list[ChangeOut]:
    with ctx.uow() as session:
        return [ChangeOut(**c) for c in service.commitment_history(session, economy=economy, measure=measure)]


@router.put("/commitments/{economy}/{measure}", response_model=CommitmentOut,
            responses={201: {"description": "created"}, 403: {"description": "not the admin of this economy"}})
def put_commitment(economy: str, measure: str, body: CommitmentIn, who: Who, ctx: Ctx,
                   response: Response) -> CommitmentOut:
    with ctx.uow() as session:
        row, created = service.put_commitment(session, principal=who, actor=who.actor, economy=economy,
                                              measure=measure, body=body)
        response.status_code = 201 if created else 200
        return render(row, _today())


@router.get("/stocktake/{economy}", response_model=StocktakeOut)
def stocktake(economy: str, ctx: Ctx) -> StocktakeOut:
    today = _today()
    with ctx.uow() as session:
        s = service.stocktake(session, economy=economy, today=today)
        return StocktakeOut(economy=s["economy"], today=today, commitments=[render(r, today) for r in s["rows"]],
                            overdue=[render(r, today) for r, _ in s["overdue"]],
                            early_warning=[render(r, today) for r in s["early_warning"]],
                            rates=[CategoryRateOut(**r.__dict__) for r in s["rates"]],
                            evidence=[EvidenceOut(**e.__dict__) for e in s["evidence"]])


@router.get("/heatmap", response_model=HeatMapOut)
def heat_map(ctx: Ctx) -> dict:
    """Economies x measures: each cell's implementation level (0-100, implemented = 100; null = no entry)."""
    with ctx.uow() as session:
        codes, ids, grid = service.heat_map(session)
    return {"economies": codes, "measures": ids,
            "cells": [[{"level": c.level, "status": c.status, "category": c.category} for c in row] for row in grid]}


@router.get("/projects", response_model=list[ProjectOut])
def list_projects(ctx: Ctx) -> list[ProjectOut]:
    with ctx.uow() as session:
        return [render_project(p) for p in service.projects(session)]


@router.get("/projects/{code}", response_model=ProjectOut)
def read_project(code: str, ctx: Ctx) -> ProjectOut:
    with ctx.uow() as session:
        return render_project(service.project(session, code=code))


@router.get("/projects/{code}/history", response_model=list[ChangeOut])
def project_history(code: str, ctx: Ctx) -> list[ChangeOut]:
    with ctx.uow() as session:
        return [ChangeOut(**c) for c in service.project_history(session, code=code)]


@router.put("/projects/{code}", response_model=ProjectOut, responses={201: {"description": "created"}})
def put_project(code: str, body: ProjectIn, who: Who, ctx: Ctx, response: Response) -> ProjectOut:
    with ctx.uow() as session:
        row, created = service.put_project(session, principal=who, actor=who.actor, code=code, body=body)
        response.status_code = 201 if created else 200
        return render_project(row)


@router.get("/matches", response_model=MatchesOut)
def matches(ctx: Ctx, economy: Annotated[str, Query(description="the economy whose needs are matched")]) -> MatchesOut:
    """The projects covering the economy's unimplemented priority measures, best first, each score explained."""
    today = _today()
    with ctx.uow() as session:
        ranking = service.ranking(session, economy=economy, today=today)
        rows = {p.code: p for p in service.projects(session)}
        return MatchesOut(
            economy=ranking.economy, today=today, needs=[_need(n) for n in ranking.needs],
            matches=[MatchOut(project=render_project(rows[m.project.code]), score=m.score, share=m.share,
                              covered=[_need(n) for n in m.covered], explanation=list(m.explanation))
                     for m in ranking.matches],
            left_out=[LeftOutOut(project=p.code, reason=why) for p, why in ranking.left_out],
            rule=matching.__doc__.split("\n\n", 1)[1].replace("\n", " "))


@router.get("/gaps", response_model=GapsOut)
def gaps(ctx: Ctx) -> GapsOut:
    """Measures economies need help with (not implemented; Category C or assistance named) that no open project
    they are eligible for covers."""
    today = _today()
    with ctx.uow() as session:
        found = service.gaps(session, today=today)
    return GapsOut(today=today, gaps=[GapOut(measure=g.measure, measure_title=measures.get(g.measure).title,
                                             economies=list(g.economies)) for g in found])
