"""Assessment of a declaration (duties and taxes), and quotes without lodging."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from clearway.api.answers import json_answer
from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Ctx, Who
from clearway.db import utcnow
from clearway.flows import clearance
from clearway.tariff import service
from clearway.tariff.schemas import AssessmentOut, QuoteIn, QuoteOut, plain

router = APIRouter(prefix="/api/v1", tags=["assessments"], route_class=IdempotentRoute)


@router.post("/declarations/{mrn}/assessment", dependencies=[IDEMPOTENT], status_code=201, response_model=AssessmentOut)
def assess(mrn: str, who: Who, ctx: Ctx) -> Response:
    """Assess an accepted declaration with the rules in force on its acceptance date; select the lane;
    release at once when green and nothing is due."""
    with ctx.uow() as session:
        view = clearance.view_of(session, *clearance.assess(session, principal=who, mrn=mrn))
    return json_answer(AssessmentOut.model_validate(plain(view)), status=201)


@router.get("/declarations/{mrn}/assessment", response_model=AssessmentOut)
def read(mrn: str, who: Who, ctx: Ctx) -> dict[str, Any]:
    with ctx.uow() as session:
        return plain(clearance.view(session, principal=who, mrn=mrn))


@router.post("/assessments/quote", response_model=QuoteOut)
def quote(body: QuoteIn, who: Who, ctx: Ctx) -> dict[str, Any]:
    """The same calculation without lodging: the landed cost under the rules of `date` (default today)."""
    on = body.date or utcnow().date()
    decl = body.model_copy()
    with ctx.uow() as session:
        result = service.calculate(session, decl, on)
    return plain({**result.as_dict(), "quote": True})
