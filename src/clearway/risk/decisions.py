"""From a declaration to what the lane selector needs (facts, model records, capacity used), the
fraud model in service, storing lane decisions and inspections, and turning inspections back into
training rows. The flow (clearway.flows.lanes) composes these with the declarations and controls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from clearway.auth.core import Principal
from clearway.config import get_settings
from clearway.db import id_batches
from clearway.declarations.models import Declaration
from clearway.risk import disclosure
from clearway.risk.essential import is_essential
from clearway.risk.history import to_canonical
from clearway.risk.lanes import LaneDecision, Usage
from clearway.risk.model import FraudModel
from clearway.risk.models import Inspection, LaneDecisionRow, RiskRule, RuleHitRow
from clearway.risk.queue import Hit
from clearway.risk.targeting import Facts, ItemFacts, RuleHit
from clearway.risk.schemas import LaneOut

MODEL_ENV = "CLEARWAY_RISK_MODEL"


# ---- the model in service -----------------------------------------------------------------------

@dataclass
class _Loaded:
    path: Path
    stamp: float
    model: FraudModel


_loaded: _Loaded | None = None


def model_dir() -> Path:
    """CLEARWAY_RISK_MODEL, else <data dir>/risk/model."""
    return get_settings().model_dir


def current_model() -> FraudModel | None:
    """The deployed model, reloaded when its files change; None when none is deployed."""
    global _loaded
    path = model_dir()
    meta = path / "metadata.json"
    if not meta.is_file():
        return None
    stamp = meta.stat().st_mtime
    if _loaded is None or _loaded.path != path or _loaded.stamp != stamp:
        _loaded = _Loaded(path, stamp, FraudModel.load(path))
    return _loaded.model


# ---- a declaration as plain data ----------------------------------------------------------------

def _f(v: Any) -> float | None:
    return None if v is None else float(Decimal(str(v)))


def _decimal(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def model_records(*, mrn: str, accepted_at: datetime, office: str, declarant: str,
                  content: dict[str, Any]) -> list[dict[str, Any]]:
    """One canonical-layout row per goods item (the layout the model trains on)."""
    exporter = content.get("exporter") or {}
    importer = content.get("importer") or {}
    rows = []
    for item in content.get("items", []):
        rows.append({
            "declaration_id": mrn, "date": accepted_at.date(), "office": office,
            "procedure": item.get("procedure"), "import_type": content.get("type"), "import_use": None,
            "payment_type": None, "transport_mode": (content.get("transport") or {}).get("mode"),
            "declarant": declarant, "importer": importer.get("id") or importer.get("name"),
            "seller": exporter.get("id") or exporter.get("name"), "courier": None,
            "hs_code": (item.get("hs_code") or "")[:6] or None, "departure_country": exporter.get("country"),
            "origin_country": item.get("origin"), "tax_rate": None, "tax_type": item.get("preference"),
            "origin_indicator": None, "net_mass_kg": _f(item.get("net_weight_kg")), "value": _f(item.get("value")),
        })
    return rows


def facts(*, content: dict[str, Any], office: str, declarant: str, trusted: set[str], first_time_importer: bool,
          finding_sources: list[str], essential: frozenset[str]) -> Facts:
    """`essential`: the economy's essential-goods list as stored (risk.essential_goods.essential_set)."""
    importer = content.get("importer") or {}
    exporter = content.get("exporter") or {}
    items = tuple(ItemFacts(i.get("hs_code"), i.get("origin"), _decimal(i.get("value")),
                            _decimal(i.get("net_weight_kg")))
                  for i in content.get("items", []))
    return Facts(office=office, declarant=declarant, importer=importer.get("id"),
                 exporter=exporter.get("id") or exporter.get("name"), exporter_country=exporter.get("country"),
                 transport_mode=(content.get("transport") or {}).get("mode"), type=content.get("type", "import"),
                 trusted_trader=bool({declarant, importer.get("id")} & trusted),
                 first_time_importer=first_time_importer,
                 certificate_finding="certificates" in finding_sources, seal_alert="seals" in finding_sources,
                 essential_goods=is_essential([i.hs_code for i in items], essential), items=items)


# The reads of every lane decision, built once (SQLAlchemy then neither builds nor keys them again).
_USAGE = (select(LaneDecisionRow.lane, LaneDecisionRow.random, func.count(LaneDecisionRow.id))
          .where(LaneDecisionRow.office == bindparam("office"), LaneDecisionRow.day == bindparam("day"))
          .group_by(LaneDecisionRow.lane, LaneDecisionRow.random))
_EARLIER = select(LaneDecisionRow.id).where(
    LaneDecisionRow.economy == bindparam("economy"), LaneDecisionRow.importer == bindparam("importer"),
    LaneDecisionRow.declaration_id != bindparam("declaration")).limit(1)
_LATEST = (select(LaneDecisionRow).where(LaneDecisionRow.declaration_id == bindparam("declaration"))
           .order_by(LaneDecisionRow.id.desc()).limit(1))
_INSPECTION = (select(Inspection).where(Inspection.declaration_id == bindparam("declaration"))
               .order_by(Inspection.id.desc()).limit(1))


def usage(session: Session, *, office: str, day: str) -> Usage:
    """Declarations laned at the office that day, and the capacity they used: red and yellow lanes
    except random selections, which are outside the capacity."""
    rows = session.execute(_USAGE, {"office": office, "day": day}).all()
    total = sum(n for _, _, n in rows)
    used = {lane: sum(n for ln, rnd, n in rows if ln == lane and not rnd) for lane in ("red", "yellow")}
    return Usage(total=total, red=used["red"], yellow=used["yellow"])


# ---- storing ------------------------------------------------------------------------------------

def first_time_importer(session: Session, *, economy: str, importer: str | None, declaration_id: int) -> bool:
    """No lane was chosen before for a declaration of this importer (an unnamed importer counts as new)."""
    if not importer:
        return True
    earlier = session.scalars(_EARLIER, {"economy": economy, "importer": importer,
                                         "declaration": declaration_id}).first()
    return earlier is None


def store_decision(session: Session, *, declaration_id: int, mrn: str, version: int, economy: str, office: str,
                   importer: str | None, day: str, decision: LaneDecision, mandatory: str, probability: float | None,
                   expected_revenue: float | None, model_reasons: list[dict[str, Any]], hits: list[RuleHit],
                   model_version: str | None, policy_version: int | None, at: datetime,
                   actor: str) -> LaneDecisionRow:
    row = LaneDecisionRow(declaration_id=declaration_id, mrn=mrn, declaration_version=version, economy=economy,
                          office=office, importer=importer, day=day, lane=decision.lane, basis=decision.basis, random=decision.random,
                          priority=decision.priority, mandatory=mandatory, probability=probability,
                          expected_revenue=expected_revenue, rank=float(decision.rank),
                          reasons=list(decision.reasons), model_reasons=model_reasons, model_version=model_version,
                          policy_version=policy_version, decided_at=at, actor=actor)
    session.add(row)
    session.flush()
    for h in hits:
        session.add(RuleHitRow(decision_id=row.id, economy=economy, code=h.code, version=h.version, action=h.action))
    session.flush()
    return row


def latest_decision(session: Session, *, declaration_id: int) -> LaneDecisionRow | None:
    return session.scalars(_LATEST, {"declaration": declaration_id}).first()


def hits_of(session: Session, *, decision_id: int) -> list[RuleHitRow]:
    return list(session.scalars(select(RuleHitRow).where(RuleHitRow.decision_id == decision_id)
                                .order_by(RuleHitRow.id)))


def inspection_of(session: Session, *, declaration_id: int) -> Inspection | None:
    return session.scalars(_INSPECTION, {"declaration": declaration_id}).first()


def lane_view(session: Session, *, principal: Principal, row: LaneDecisionRow, status: str) -> LaneOut:
    """A lane decision as this key may read it: customs see the basis, score, reasons and rule hits; a
    declarant the lane, its status and time only (targeting criteria are not disclosed to traders)."""
    hits = hits_of(session, decision_id=row.id)
    out = LaneOut(mrn=row.mrn, status=status, lane=row.lane, basis=row.basis, random=row.random,
                  priority=row.priority, mandatory=row.mandatory, probability=row.probability,
                  expected_revenue=row.expected_revenue, reasons=row.reasons, model_reasons=row.model_reasons,
                  rule_hits=[{"code": h.code, "version": h.version, "action": h.action} for h in hits],
                  model_version=row.model_version, policy_version=row.policy_version, decided_at=row.decided_at,
                  actor=row.actor)
    return disclosure.lane_for(principal, out)


# ---- feedback: inspections as training data -----------------------------------------------------

def training_rows(session: Session, *, economy: str | None = None) -> pl.DataFrame:
    """Every inspected declaration, one row per goods item, in the canonical history layout; the
    extra duty raised is spread over the items by value. Random selections are kept (they are the
    unbiased part of the sample)."""
    stmt = select(Inspection, Declaration).join(Declaration, Declaration.id == Inspection.declaration_id)
    if economy:
        stmt = stmt.where(Declaration.economy == economy)
    rows: list[dict[str, Any]] = []
    for insp, decl in session.execute(stmt.order_by(Inspection.id)).all():
        items = model_records(mrn=decl.mrn or "", accepted_at=decl.accepted_at, office=decl.office,
                              declarant=decl.declarant_id, content=decl.content)
        total = sum(r["value"] or 0 for r in items) or 1.0
        for r in items:
            r.update(fraud=int(insp.outcome == "irregular"), severity=insp.severity,
                     revenue=float(insp.extra_duty) * (r["value"] or 0) / total)
            r["date"] = r["date"].isoformat()
            rows.append(r)
    if not rows:
        return to_canonical(pl.DataFrame({"declaration_id": [], "date": [], "hs_code": [], "fraud": []},
                                         schema={"declaration_id": pl.Utf8, "date": pl.Utf8, "hs_code": pl.Utf8,
                                                 "fraud": pl.Int8}))
    return to_canonical(pl.DataFrame(rows, infer_schema_length=None), source="inspections")


# ---- many declarations at once (the officer's queue) ---------------------------------------------

def _latest_ids(declaration_ids: list[int] | Select[Any]) -> Select[Any]:
    return (select(func.max(LaneDecisionRow.id)).where(LaneDecisionRow.declaration_id.in_(declaration_ids))
            .group_by(LaneDecisionRow.declaration_id))


def latest_decisions(session: Session, *, declaration_ids: list[int] | Select[Any]) -> dict[int, LaneDecisionRow]:
    """The latest lane decision of each declaration (`declaration_ids`: a list, or a subquery of ids)."""
    out: dict[int, LaneDecisionRow] = {}
    for part in id_batches(declaration_ids):
        out |= {d.declaration_id: d for d in session.scalars(select(LaneDecisionRow)
                                                             .where(LaneDecisionRow.id.in_(_latest_ids(part))))}
    return out


def latest_inspections(session: Session, *, declaration_ids: list[int] | Select[Any]) -> dict[int, Inspection]:
    out: dict[int, Inspection] = {}
    for part in id_batches(declaration_ids):
        for i in session.scalars(select(Inspection).where(Inspection.declaration_id.in_(part)).order_by(Inspection.id)):
            out[i.declaration_id] = i
    return out


def queue_hits(session: Session, *, declaration_ids: list[int] | Select[Any]) -> dict[int, list[Hit]]:
    """The rule hits of each declaration's latest lane decision, with the hit version's name and points
    (decision id -> hits)."""
    out: dict[int, list[Hit]] = {}
    for part in id_batches(declaration_ids):
        stmt = (select(RuleHitRow.decision_id, RuleHitRow.code, RuleHitRow.version, RuleHitRow.action, RiskRule.name,
                       RiskRule.score)
                .outerjoin(RiskRule, (RiskRule.economy == RuleHitRow.economy) & (RiskRule.code == RuleHitRow.code)
                           & (RiskRule.version == RuleHitRow.version))
                .where(RuleHitRow.decision_id.in_(_latest_ids(part))).order_by(RuleHitRow.id))
        for decision, code, version, action, name, score in session.execute(stmt):
            out.setdefault(decision, []).append(Hit(code, version, action, name or "", score or 0.0))
    return out


def control_recorded(decision: LaneDecisionRow | None, inspection: Inspection | None) -> bool:
    """The control of the current lane decision is recorded and ended in release."""
    return (inspection is not None and inspection.decision == "release"
            and (decision is None or inspection.decision_id == decision.id))


def usage_by_office(session: Session, *, economy: str, day: str) -> dict[str, Usage]:
    """Each office's lane decisions that day and the capacity they used (random selections are outside it)."""
    out: dict[str, Usage] = {}
    rows = session.execute(select(LaneDecisionRow.office, LaneDecisionRow.lane, LaneDecisionRow.random,
                                  func.count(LaneDecisionRow.id))
                           .where(LaneDecisionRow.economy == economy, LaneDecisionRow.day == day)
                           .group_by(LaneDecisionRow.office, LaneDecisionRow.lane, LaneDecisionRow.random))
    for office, lane, rnd, n in rows:
        u = out.setdefault(office, Usage())
        u.total += n
        if lane in ("red", "yellow") and not rnd:
            setattr(u, lane, getattr(u, lane) + n)
    return dict(sorted(out.items()))
