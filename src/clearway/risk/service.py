"""Targeting rules and lane policies: create, change, retire (every version kept), read with the
rules' hit rates. Runs inside the caller's transaction; every change is audited."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal, is_admin, is_customs
from clearway.db import utcnow
from clearway.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from clearway.risk import targeting as core
from clearway.risk.lanes import LanePolicy
from clearway.risk.models import Inspection, LaneDecisionRow, RiskPolicy, RiskRule, RuleHitRow
from clearway.risk.schemas import PolicyIn, RuleChangeIn, RuleIn



def _may_target(principal: Principal) -> None:
    if not is_customs(principal):
        raise Forbidden("only customs officers and administrators manage targeting rules")


def _check(data: dict[str, Any]) -> None:
    errors = core.check(data["action"], data.get("score"), data["conditions"], data.get("valid_from"),
                        data.get("valid_to"))
    if errors:
        raise Invalid("the rule was refused: see the listed fields", errors=errors)


def _store(session: Session, *, economy: str, code: str, version: int, status: str, data: dict[str, Any],
           actor: str) -> RiskRule:
    row = RiskRule(economy=economy, code=code, version=version, status=status, name=data["name"],
                   description=data.get("description"), action=data["action"],
                   score=float(data.get("score") or 0.0), conditions=data["conditions"],
                   valid_from=data.get("valid_from"), valid_to=data.get("valid_to"), owner=data["owner"],
                   created_at=utcnow(), actor=actor)
    session.add(row)
    session.flush()
    return row


def current(session: Session, *, economy: str, code: str) -> RiskRule:
    row = session.scalars(select(RiskRule).where(RiskRule.economy == economy, RiskRule.code == code.upper())
                          .order_by(RiskRule.version.desc()).limit(1)).first()
    if row is None:
        raise NotFound(f"no targeting rule {code}")
    return row


def create_rule(session: Session, *, principal: Principal, rule: RuleIn) -> RiskRule:
    _may_target(principal)
    data = rule.model_dump()
    data["conditions"] = [c.model_dump() for c in rule.conditions]
    data["owner"] = rule.owner or principal.actor
    _check(data)
    exists = session.scalars(select(RiskRule.id).where(RiskRule.economy == principal.economy,
                                                       RiskRule.code == rule.code)).first()
    if exists is not None:
        raise Conflict(f"rule {rule.code} exists; change it with PUT /api/v1/risk/rules/{rule.code}",
                       errors=[FieldError("code", "is already used")])
    row = _store(session, economy=principal.economy, code=rule.code, version=1, status="active", data=data,
                 actor=principal.actor)
    append_event(session, actor=principal.actor, action="risk.rule_created", entity_type="risk_rule",
                 entity_id=rule.code, data={"version": 1, "action": row.action, "conditions": row.conditions})
    return row


def _as_data(row: RiskRule) -> dict[str, Any]:
    return {"name": row.name, "description": row.description, "action": row.action, "score": row.score,
            "conditions": row.conditions, "valid_from": row.valid_from, "valid_to": row.valid_to, "owner": row.owner}


def change_rule(session: Session, *, principal: Principal, code: str, change: RuleChangeIn) -> RiskRule:
    _may_target(principal)
    before = current(session, economy=principal.economy, code=code)
    if before.status == "retired":
        raise Conflict(f"rule {before.code} is retired; create a rule with a new code")
    data = _as_data(before)
    given = change.model_dump(exclude_unset=True)
    if not given:
        raise Invalid("the change changes nothing", errors=[FieldError("body", "give at least one field")])
    if "conditions" in given:
        given["conditions"] = [c.model_dump() for c in change.conditions or []]
    if given.get("action") in ("red", "yellow") and "score" not in given:
        given["score"] = None
    data.update(given)
    _check(data)
    row = _store(session, economy=principal.economy, code=before.code, version=before.version + 1,
                 status="active", data=data, actor=principal.actor)
    append_event(session, actor=principal.actor, action="risk.rule_changed", entity_type="risk_rule",
                 entity_id=row.code, data={"version": row.version, "changed": sorted(given)})
    return row


def retire_rule(session: Session, *, principal: Principal, code: str, reason: str | None) -> RiskRule:
    _may_target(principal)
    before = current(session, economy=principal.economy, code=code)
    if before.status == "retired":
        raise Conflict(f"rule {before.code} is already retired")
    data = _as_data(before)
    data["valid_to"] = utcnow()
    if data["valid_from"] and data["valid_from"] >= data["valid_to"]:
        data["valid_from"] = None
    row = _store(session, economy=principal.economy, code=before.code, version=before.version + 1,
                 status="retired", data=data, actor=principal.actor)
    append_event(session, actor=principal.actor, action="risk.rule_retired", entity_type="risk_rule",
                 entity_id=row.code, data={"version": row.version, "reason": reason})
    return row


_LATEST_VERSIONS = (select(RiskRule.code, func.max(RiskRule.version).label("v"))
                    .where(RiskRule.economy == bindparam("economy")).group_by(RiskRule.code).subquery())
# Built once: every lane decision reads the rules (building this statement took more than running it).
_RULES = (select(RiskRule).join(_LATEST_VERSIONS, (RiskRule.code == _LATEST_VERSIONS.c.code)
                                & (RiskRule.version == _LATEST_VERSIONS.c.v))
          .where(RiskRule.economy == bindparam("economy")).order_by(RiskRule.code))


def list_rules(session: Session, *, economy: str, include_retired: bool = False) -> list[RiskRule]:
    rows = list(session.scalars(_RULES, {"economy": economy}))
    return rows if include_retired else [r for r in rows if r.status == "active"]


def versions(session: Session, *, economy: str, code: str) -> list[RiskRule]:
    rows = list(session.scalars(select(RiskRule).where(RiskRule.economy == economy, RiskRule.code == code.upper())
                                .order_by(RiskRule.version)))
    if not rows:
        raise NotFound(f"no targeting rule {code}")
    return rows


def in_force(session: Session, *, economy: str) -> list[core.Rule]:
    """The current version of every active rule, as plain rules for the engine."""
    return [to_rule(r) for r in list_rules(session, economy=economy)]


def to_rule(r: RiskRule) -> core.Rule:
    return core.Rule(code=r.code, version=r.version, action=r.action, score=r.score, name=r.name,
                     conditions=tuple(core.Condition(c["field"], c["op"], c["value"]) for c in r.conditions),
                     valid_from=r.valid_from, valid_to=r.valid_to)


def stats(session: Session, *, economy: str, codes: list[str]) -> dict[str, dict[str, Any]]:
    """Per rule: hits, hit rate over all lane decisions, inspected hits and the confirmed share."""
    decisions = session.scalar(select(func.count(LaneDecisionRow.id)).where(LaneDecisionRow.economy == economy)) or 0
    rows = session.execute(
        select(RuleHitRow.code, func.count(RuleHitRow.id), func.count(Inspection.id),
               func.count(Inspection.id).filter(Inspection.outcome == "irregular"))
        .outerjoin(Inspection, Inspection.decision_id == RuleHitRow.decision_id)
        .where(RuleHitRow.economy == economy, RuleHitRow.code.in_(codes)).group_by(RuleHitRow.code)).all()
    found = {code: (hits, inspected, confirmed) for code, hits, inspected, confirmed in rows}
    out = {}
    for code in codes:
        hits, inspected, confirmed = found.get(code, (0, 0, 0))
        out[code] = {"hits": hits, "decisions": decisions, "hit_rate": hits / decisions if decisions else None,
                     "inspected": inspected, "confirmed": confirmed,
                     "confirmed_share": confirmed / inspected if inspected else None}
    return out


# ---- lane policy --------------------------------------------------------------------------------

_POLICY = (select(RiskPolicy).where(RiskPolicy.economy == bindparam("economy"))
           .order_by(RiskPolicy.version.desc()).limit(1))  # built once: read by every lane decision


def policy(session: Session, *, economy: str) -> tuple[PolicyIn, RiskPolicy | None]:
    row = session.scalars(_POLICY, {"economy": economy}).first()
    return (PolicyIn.model_validate(row.policy) if row else PolicyIn()), row


def policy_economies(session: Session) -> list[str]:
    """The economies whose administrator has set a lane policy."""
    return list(session.scalars(select(RiskPolicy.economy).distinct().order_by(RiskPolicy.economy)))


def set_policy(session: Session, *, principal: Principal, body: PolicyIn) -> RiskPolicy:
    if not is_admin(principal):
        raise Forbidden("only an administrator sets the lane policy")
    if body.red_share + body.yellow_share > 1:
        raise Invalid("the capacities add up to more than all declarations",
                      errors=[FieldError("yellow_share", "red_share + yellow_share must be at most 1")])
    if body.ranking == "revenue" and (body.red_threshold is None or body.yellow_threshold is None):
        raise Invalid("ranking by expected revenue needs its thresholds in money", errors=[
            FieldError("red_threshold" if body.red_threshold is None else "yellow_threshold",
                       "set the expected revenue above which a declaration goes red / yellow")])
    if body.red_threshold is not None and body.yellow_threshold is not None \
            and body.yellow_threshold > body.red_threshold:
        raise Invalid("the yellow threshold is above the red one",
                      errors=[FieldError("yellow_threshold", "must not be above red_threshold")])
    _, before = policy(session, economy=principal.economy)
    row = RiskPolicy(economy=principal.economy, version=(before.version + 1) if before else 1,
                     policy=body.model_dump(mode="json"), created_at=utcnow(), actor=principal.actor)
    session.add(row)
    session.flush()
    append_event(session, actor=principal.actor, action="risk.policy_set", entity_type="risk_policy",
                 entity_id=principal.economy, data={"version": row.version,
                                                    **body.model_dump(mode="json", exclude={"trusted_traders"}),
                                                    "trusted_traders": len(body.trusted_traders)})
    return row


def lane_policy(p: PolicyIn) -> LanePolicy:
    names = {f.name for f in fields(LanePolicy)}
    return LanePolicy(**{k: v for k, v in p.model_dump().items() if k in names})
