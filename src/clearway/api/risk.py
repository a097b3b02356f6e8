"""Targeting rules (versioned) and the lane policy of the administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Ctx, Who, require
from clearway.auth.core import Principal
from clearway.risk import service
from clearway.risk.models import RiskRule
from clearway.risk.schemas import PolicyIn, PolicyOut, RetireIn, RuleChangeIn, RuleIn, RuleOut, RuleStats

router = APIRouter(prefix="/api/v1/risk", tags=["risk"], route_class=IdempotentRoute)
Officer = Annotated[Principal, Depends(require("officer", "admin"))]


def render(row: RiskRule, stats: dict | None = None) -> RuleOut:
    return RuleOut(code=row.code, version=row.version, status=row.status, name=row.name, description=row.description,
                   action=row.action, score=row.score, conditions=row.conditions, valid_from=row.valid_from,
                   valid_to=row.valid_to, owner=row.owner, created_at=row.created_at, actor=row.actor,
                   stats=RuleStats(**stats) if stats else None)


def _with_stats(session, economy: str, rows: list[RiskRule]) -> list[RuleOut]:
    stats = service.stats(session, economy=economy, codes=[r.code for r in rows])
    return [render(r, stats[r.code]) for r in rows]


@router.post("/rules", dependencies=[IDEMPOTENT], status_code=201, response_model=RuleOut)
def create_rule(body: RuleIn, who: Officer, ctx: Ctx) -> RuleOut:
    with ctx.uow() as session:
        return render(service.create_rule(session, principal=who, rule=body))


@router.get("/rules", response_model=list[RuleOut])
def list_rules(who: Officer, ctx: Ctx, include_retired: Annotated[bool, Query()] = False) -> list[RuleOut]:
    with ctx.uow() as session:
        rows = service.list_rules(session, economy=who.economy, include_retired=include_retired)
        return _with_stats(session, who.economy, rows)


@router.get("/rules/{code}", response_model=RuleOut)
def read_rule(code: str, who: Officer, ctx: Ctx) -> RuleOut:
    with ctx.uow() as session:
        return _with_stats(session, who.economy, [service.current(session, economy=who.economy, code=code)])[0]


@router.get("/rules/{code}/versions", response_model=list[RuleOut])
def rule_versions(code: str, who: Officer, ctx: Ctx) -> list[RuleOut]:
    with ctx.uow() as session:
        return [render(r) for r in service.versions(session, economy=who.economy, code=code)]


@router.put("/rules/{code}", response_model=RuleOut)
def change_rule(code: str, body: RuleChangeIn, who: Officer, ctx: Ctx) -> RuleOut:
    with ctx.uow() as session:
        return render(service.change_rule(session, principal=who, code=code, change=body))


@router.post("/rules/{code}/retire", response_model=RuleOut)
def retire_rule(code: str, who: Officer, ctx: Ctx, body: RetireIn | None = None) -> RuleOut:
    with ctx.uow() as session:
        return render(service.retire_rule(session, principal=who, code=code, reason=body.reason if body else None))


@router.get("/policy", response_model=PolicyOut)
def read_policy(who: Officer, ctx: Ctx) -> PolicyOut:
    with ctx.uow() as session:
        p, row = service.policy(session, economy=who.economy)
        return PolicyOut(**p.model_dump(), version=row.version if row else 0,
                         created_at=row.created_at if row else None, actor=row.actor if row else None)


@router.put("/policy", response_model=PolicyOut)
def set_policy(body: PolicyIn, who: Who, ctx: Ctx) -> PolicyOut:
    with ctx.uow() as session:
        row = service.set_policy(session, principal=who, body=body)
        return PolicyOut(**body.model_dump(), version=row.version, created_at=row.created_at, actor=row.actor)
