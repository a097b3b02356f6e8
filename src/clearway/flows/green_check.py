"""The environmental goods commitment check over an economy's schedule in force, with ad valorem equivalents of
specific rates from the declared unit values of the economy's own declarations."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration, DeclarationItem
from clearway.green import check, service as green
from clearway.reference import economies
from clearway.tariff import expressions, service as tariff

NOT_COUNTED = ("rejected", "cancelled")
# The check is public: a unit value drawn from fewer goods items than this could disclose one trader's price
# (the usual statistical-confidentiality rule), so it is not used and the line is reported as not comparable.
MIN_OBSERVATIONS = 3


def unit_values(session: Session, *, economy: str, subheadings: frozenset[str],
                currency: str) -> dict[str, dict[str, check.UnitValue]]:
    """Median customs value per unit of quantity (schedule currency) of each listed subheading's declared goods:
    per the declared unit (kg, l, u, ...) and per kg of net weight where one was declared."""
    rows = session.execute(
        select(DeclarationItem.hs_code, DeclarationItem.quantity, DeclarationItem.unit, DeclarationItem.net_weight_kg,
               DeclarationItem.value, Declaration.content["currency"].as_string(), Declaration.accepted_at)
        .join(Declaration, Declaration.id == DeclarationItem.declaration_id)
        .where(Declaration.economy == economy, Declaration.status.not_in(NOT_COUNTED),
               DeclarationItem.hs_code.is_not(None), DeclarationItem.value.is_not(None)))  # not a clearance request's
    found: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    rates: dict[date, dict[str, Decimal]] = {}
    for code, quantity, unit, net_kg, value, declared, at in rows:
        sub = code[:6]
        if sub not in subheadings:
            continue
        day = at.date()
        fx = rates.setdefault(day, tariff.rates_for(session, economy, day))
        if declared != currency and declared not in fx:
            continue  # no customs rate for the declared currency on that day: the value cannot be compared
        local = value if declared == currency else value * fx[declared]
        per = {}
        if quantity is not None and (u := expressions.unit_of(unit)) and quantity > 0:
            per[u] = quantity
        if net_kg:
            per.setdefault("kg", net_kg)
        for u, q in per.items():
            found[(sub, u)].append(local / q)
    out: dict[str, dict[str, check.UnitValue]] = defaultdict(dict)
    for (sub, u), values in found.items():
        if len(values) < MIN_OBSERVATIONS:
            continue
        out[sub][u] = check.UnitValue(unit=u, value=statistics.median(values), observations=len(values))
    return dict(out)


def tariff_check(session: Session, *, economy: str, on: date) -> check.TariffCheck:
    economy = economies.checked(economy)
    sched = tariff.schedule_for(session, economy)
    edition = green.edition(session)
    values = unit_values(session, economy=economy, subheadings=edition.subheadings(), currency=sched.currency)
    return check.check(sched, edition, on, values)
