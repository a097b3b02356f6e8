"""What `clearway dashboard publish` sends to the regional installation for one economy: the computed
dashboard indicators, the workforce shares per year exactly as /api/v1/workforce/regional shows them
(groups under 5 people left out; never head counts, names, evidence or action owners), and the TFA
implementation rate by category (A/B/C) and overall. Composes dashboard, workforce and tfa: a flow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from clearway.flows import indicators
from clearway.tfa import core as tfa_core
from clearway.tfa import service as tfa
from clearway.workforce import core as workforce_core
from clearway.workforce import service as workforce


def _text(d: Decimal | None) -> str | None:
    return None if d is None else str(d)


def workforce_shares(session: Session, *, economy: str) -> list[dict[str, Any]]:
    """Per year: the published shares (per cent of women; of staff trained) and grade shares."""
    out = []
    for row in workforce.metrics(session, economy=economy):
        shares, grades = workforce_core.published(workforce.to_core(row))
        out.append({"year": row.year, "shares": {k: _text(v) for k, v in shares.items()},
                    "grade_shares": {k: _text(v) for k, v in grades.items()}, "illustrative": row.illustrative})
    return sorted(out, key=lambda r: r["year"])


def tfa_rates(session: Session, *, economy: str) -> list[dict[str, Any]]:
    """Per category A, B, C and "all": the share of the economy's measures implemented, in per cent."""
    rates = tfa_core.rate_by_category([tfa.to_core(r) for r in tfa.commitments(session, economy=economy)])
    return [{"category": r.category, "measures": r.measures, "implemented": r.implemented, "rate": _text(r.rate)}
            for r in rates]


def figures(session: Session, *, economy: str) -> dict[str, Any]:
    found = indicators.indicators(session, economy=economy)
    return {"indicators": [i.as_dict() for i in found if i.source == "computed"],
            "workforce": workforce_shares(session, economy=economy), "tfa": tfa_rates(session, economy=economy)}
