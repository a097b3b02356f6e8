"""Selectivity on one declaration: choose its lane, read the decision, record the inspection."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Ctx, Who, require
from clearway.auth.core import Principal
from clearway.declarations import service as declarations
from clearway.errors import NotFound
from clearway.flows import clearance
from clearway.flows import lanes as flow
from clearway.risk import decisions
from clearway.risk.schemas import InspectionIn, InspectionOut, LaneOut

router = APIRouter(prefix="/api/v1/declarations", tags=["risk"], route_class=IdempotentRoute)
Officer = Annotated[Principal, Depends(require("officer"))]


def render_inspection(i, status: str) -> InspectionOut:
    return InspectionOut(mrn=i.mrn, status=status, lane=i.lane, random=i.random, outcome=i.outcome,
                         severity=i.severity, findings=i.findings, revised_value=i.revised_value,
                         revised_hs_code=i.revised_hs_code, extra_duty=i.extra_duty, currency=i.currency,
                         decision=i.decision, inspected_at=i.inspected_at, officer=i.officer)


@router.post("/{mrn}/lane", dependencies=[IDEMPOTENT], response_model=LaneOut, status_code=201)
def select_lane(mrn: str, who: Officer, ctx: Ctx) -> LaneOut:
    """Choose the lane of an assessed declaration now (the clearance flow does this after assessment)."""
    with ctx.uow() as session:
        row = declarations.get(session, principal=who, mrn=mrn, for_update=True)
        decision = flow.select_lane(session, row=row, actor=who.actor)
        return decisions.lane_view(session, principal=who, row=decision, status=row.status)


@router.get("/{mrn}/lane", response_model=LaneOut)
def read_lane(mrn: str, who: Who, ctx: Ctx) -> LaneOut:
    """The latest lane decision; declarants see it too (reasons of the score are for officers only)."""
    with ctx.uow() as session:
        row = declarations.get(session, principal=who, mrn=mrn)
        decision = decisions.latest_decision(session, declaration_id=row.id)
        if decision is None:
            raise NotFound(f"no lane has been chosen for {row.mrn}")
        return decisions.lane_view(session, principal=who, row=decision, status=row.status)


@router.post("/{mrn}/inspection", dependencies=[IDEMPOTENT], response_model=InspectionOut, status_code=201)
def record_inspection(mrn: str, body: InspectionIn, who: Officer, ctx: Ctx) -> InspectionOut:
    with ctx.uow() as session:
        insp = clearance.inspect(session, principal=who, mrn=mrn, body=body)
        return render_inspection(insp, declarations.get(session, principal=who, mrn=mrn).status)


@router.get("/{mrn}/inspection", response_model=InspectionOut)
def read_inspection(mrn: str, who: Officer, ctx: Ctx) -> InspectionOut:
    with ctx.uow() as session:
        row = declarations.get(session, principal=who, mrn=mrn)
        insp = decisions.inspection_of(session, declaration_id=row.id)
        if insp is None:
            raise NotFound(f"no inspection recorded for {row.mrn}")
        return render_inspection(insp, row.status)
