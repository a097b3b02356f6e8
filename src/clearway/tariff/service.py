"""Load schedules and exchange rates, assess declarations and store the assessment, quote.

Runs inside the caller's transaction; every state change appends its audit event."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.db import utcnow
from clearway.declarations import core as declarations_core
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import FieldError, Invalid, NotFound
from clearway.reference import currencies, economies
from clearway.reference.hs import nomenclature
from clearway.tariff import core, rules, schedule
from clearway.tariff.importers import store
from clearway.tariff.models import AssessmentRecord, ExchangeRate, TariffMeasure
from clearway.validation import parse


# ---- schedules -------------------------------------------------------------------------------------

def schedule_for(session: Session, economy: str) -> schedule.Schedule:
    """The loaded schedule of an economy (validated when loaded; rebuilt only when its rows change), else the
    demo schedule shipped with Clearway."""
    loaded = store.loaded_schedule(session, economy.upper())
    if loaded is not None:
        return loaded
    found = schedule.builtin(economy)
    if found is None:
        raise Invalid(f"no tariff schedule for {economy}", errors=[FieldError(
            "economy", f"no tariff schedule is loaded for {economy}; load one with `clearway tariff load`")])
    return found


def load_schedules(session: Session, *, text: str, name: str, actor: str) -> list[dict[str, Any]]:
    """Validate the whole file first; then each economy's loaded measures are replaced by the file's."""
    parsed = schedule.parse_file_text(text, name)
    now = utcnow()
    out = []
    for s in parsed:
        session.execute(delete(TariffMeasure).where(TariffMeasure.economy == s.economy))
        for m in s.measures:
            session.add(TariffMeasure(economy=s.economy, currency=s.currency, code=m.code, type=m.type, rate=m.rate,
                                      agreement=m.agreement, origins=list(m.origins) or None, base=m.base,
                                      valid_from=m.valid_from, valid_to=m.valid_to, description=m.description,
                                      legal_basis=m.legal_basis, source=m.source, note=m.note, min_value=m.min_value,
                                      max_value=m.max_value, loaded_at=now))
        session.flush()
        append_event(session, actor=actor, action="tariff.schedule_loaded", entity_type="tariff_schedule",
                     entity_id=s.economy, data={"measures": len(s.measures), "file": name})
        out.append({"economy": s.economy, "measures": len(s.measures)})
    return out


def line_info(session: Session, *, economy: str, code: str, on: date) -> dict[str, Any]:
    eco = economies.get(economy)
    if eco is None:
        raise NotFound(f"{economy!r} is not one of the 21 APEC economies")
    code = code.replace(".", "")
    if not code.isdigit() or not 2 <= len(code) <= 10 or nomenclature().get(code[:6] if len(code) >= 6 else code) \
            is None:
        raise Invalid("not a tariff line", errors=[FieldError("code", f"{code!r} is not under an HS 2022 code")])
    sched = schedule_for(session, eco.code)
    r = rules.get(eco.code)
    regime = r.regime(on) if r else None
    hs = nomenclature().get(code[:6]) or nomenclature().get(code)
    return {"economy": eco.code, "code": code, "date": on.isoformat(), "description": hs.description if hs else None,
            "schedule": sched.name or f"{eco.code} schedule", "currency": sched.currency,
            "valuation_basis": r.valuation if r else None,
            "measures": [m.as_dict() for m in sched.lines(code, on)],
            "fees": [m.as_dict() for m in sched.fees(on) if m.code == "*" or code.startswith(m.code)],
            "national_lines": sched.children(code),
            "consumption_tax": {"name": r.tax_name, "standard_rate_percent": format(regime.tax_rate_percent, "f"),
                                "surtax": f"{st.name}: {st.numerator}/{st.denominator} of it" if (st := r.law.surtax)
                                else None} if r and regime and r.tax_name else None,
            "de_minimis": {"currency": regime.currency,
                           "duty_threshold": None if regime.duty_threshold is None else format(regime.duty_threshold, "f"),
                           "tax_threshold": None if regime.tax_threshold is None else format(regime.tax_threshold, "f"),
                           "excluded": r.excluded(code), "source": regime.source} if r and regime else None}


# ---- exchange rates --------------------------------------------------------------------------------

_RATES = select(ExchangeRate).where(ExchangeRate.economy == bindparam("economy"),
                                    ExchangeRate.valid_from <= bindparam("on")).order_by(ExchangeRate.valid_from)


def rates_for(session: Session, economy: str, on: date) -> dict[str, Decimal]:
    """Customs rates in force on `on`: loaded ones, else the demo rates shipped with Clearway."""
    out = {r.currency: r.rate for r in rules.builtin_rates() if r.economy == economy and r.in_force(on)}
    rows = session.scalars(_RATES, {"economy": economy, "on": on})
    for r in rows:
        if r.valid_to is None or on <= r.valid_to:
            out[r.currency] = Decimal(r.rate)
    return out


def parse_rates(text: str) -> list[dict[str, Any]]:
    """CSV: economy,currency,rate,valid_from[,valid_to][,source]; rate = local currency per 1 unit."""
    reader = csv.DictReader(io.StringIO(text))
    need = {"economy", "currency", "rate", "valid_from"}
    if not reader.fieldnames or not need <= set(reader.fieldnames):
        raise Invalid("the rates file needs the columns economy,currency,rate,valid_from",
                      errors=[FieldError("header", f"missing: {', '.join(sorted(need - set(reader.fieldnames or [])))}")])
    rows, errors = [], []
    for n, r in enumerate(reader, start=2):
        p = f"line {n}"
        eco = economies.get((r.get("economy") or "").strip())
        cur = (r.get("currency") or "").strip().upper()
        if eco is None:
            errors.append(FieldError(f"{p}.economy", f"{r.get('economy')!r} is not an APEC economy"))
        if not currencies.is_currency(cur):
            errors.append(FieldError(f"{p}.currency", f"{cur!r} is not an ISO 4217 currency"))
        elif eco is not None and cur == eco.currency:
            errors.append(FieldError(f"{p}.currency", f"{cur} is {eco.code}'s own currency"))
        try:
            rate = Decimal((r.get("rate") or "").strip())
            if not rate.is_finite() or rate <= 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(FieldError(f"{p}.rate", f"{r.get('rate')!r} is not a positive number"))
            rate = None
        try:
            vf = date.fromisoformat((r.get("valid_from") or "").strip())
            vt = date.fromisoformat(r["valid_to"].strip()) if (r.get("valid_to") or "").strip() else None
            if vt and vt < vf:
                errors.append(FieldError(f"{p}.valid_to", "is before valid_from"))
        except ValueError:
            errors.append(FieldError(f"{p}.valid_from", "dates are YYYY-MM-DD"))
            vf = vt = None
        if eco is not None and rate is not None and vf is not None:
            rows.append({"economy": eco.code, "currency": cur, "rate": rate, "valid_from": vf, "valid_to": vt,
                         "source": (r.get("source") or "").strip() or None})
    if errors:
        raise Invalid("the rates file was refused: see the listed lines", errors=errors)
    if not rows:
        raise Invalid("the rates file has no rates", errors=[FieldError("file", "no rows")])
    return rows


def load_rates(session: Session, *, text: str, actor: str) -> int:
    rows = parse_rates(text)
    now = utcnow()
    for r in rows:
        session.execute(delete(ExchangeRate).where(ExchangeRate.economy == r["economy"],
                                                   ExchangeRate.currency == r["currency"],
                                                   ExchangeRate.valid_from == r["valid_from"]))
        session.add(ExchangeRate(economy=r["economy"], currency=r["currency"], rate=format(r["rate"], "f"),
                                 valid_from=r["valid_from"], valid_to=r["valid_to"], source=r["source"],
                                 loaded_at=now))
    session.flush()
    append_event(session, actor=actor, action="tariff.rates_loaded", entity_type="exchange_rates",
                 entity_id=",".join(sorted({r["economy"] for r in rows})), data={"rates": len(rows)})
    return len(rows)


# ---- assessment ------------------------------------------------------------------------------------

def calculate(session: Session, decl: DeclarationIn, on: date) -> core.Assessment:
    """The pure calculation with this installation's rules, schedule and rates (no storing)."""
    errors = declarations_core.check(decl)
    if errors:
        raise Invalid("the declaration was refused: see the listed fields", errors=errors)
    r = rules.get(decl.economy)
    if r is None:
        raise Invalid("no rules", errors=[FieldError("economy", f"no assessment rules for {decl.economy}")])
    return core.assess(decl, on=on, rules=r, schedule=schedule_for(session, decl.economy),
                       rates=rates_for(session, decl.economy, on))


def assess_declaration(session: Session, *, row: Declaration, actor: str) -> AssessmentRecord:
    """Assess with the rules in force on the acceptance date, store it, audit it."""
    decl = parse(DeclarationIn, row.content)
    result = calculate(session, decl, row.accepted_at.date())
    rec = AssessmentRecord(declaration_id=row.id, declaration_version=row.version, rules_date=result.date,
                           currency=result.currency, duty=result.duty, excise=result.excise, tax=result.tax, fees=result.fees,
                           total_due=result.total_due, detail=result.as_dict(), assessed_at=utcnow(), actor=actor)
    session.add(rec)
    session.flush()
    append_event(session, actor=actor, action="tariff.assessed", entity_type="declaration", entity_id=row.mrn or "",
                 data={"assessment": rec.id, "total_due": format(rec.total_due, "f"), "currency": rec.currency,
                       "version": row.version})
    return rec


def supplement(session: Session, *, row: Declaration, base: AssessmentRecord, amount: Decimal, currency: str,
               reason: str, actor: str) -> AssessmentRecord:
    """A supplementary assessment after control: the assessment in force plus the extra duty found. The amount
    found is in the declaration currency (like every amount of the control) and is collected in the assessment's
    currency, converted at the customs exchange rate of that assessment; it is shown as one more duty line, so
    that the lines still add up to the totals."""
    extra = core.to_assessment_currency(amount, currency, assessed=base.detail)
    found = f"{format(amount, 'f')} {currency}" + (
        "" if currency == base.currency else f" at {base.detail['exchange_rate']} {base.currency}/{currency}")
    line = core.Line(0, "duty", "*", None, extra, "found at control", extra, "supplementary assessment after control",
                     f"{reason} ({found})")
    detail = {**base.detail, "duty": format(base.duty + extra, "f"), "total_due": format(base.total_due + extra, "f"),
              "lines": [*base.detail.get("lines", []), line.as_dict()],
              "supplementary": [*base.detail.get("supplementary", []),
                                {"amount": format(extra, "f"), "currency": base.currency, "found": found,
                                 "reason": reason}]}
    rec = AssessmentRecord(declaration_id=row.id, declaration_version=row.version, rules_date=base.rules_date,
                           currency=base.currency, duty=base.duty + extra, excise=base.excise, tax=base.tax,
                           fees=base.fees, total_due=base.total_due + extra, lane=base.lane, detail=detail,
                           assessed_at=utcnow(), actor=actor)
    session.add(rec)
    session.flush()
    append_event(session, actor=actor, action="tariff.supplementary_assessed", entity_type="declaration",
                 entity_id=row.mrn, data={"assessment": rec.id, "extra": format(extra, "f"), "found": found,
                                          "total_due": format(rec.total_due, "f"), "currency": rec.currency,
                                          "reason": reason})
    return rec


_LATEST = (select(AssessmentRecord).where(AssessmentRecord.declaration_id == bindparam("declaration"))
           .order_by(AssessmentRecord.id.desc()).limit(1))  # built once: read by every assessment, payment and view


def latest(session: Session, declaration_id: int) -> AssessmentRecord | None:
    return session.scalars(_LATEST, {"declaration": declaration_id}).first()
