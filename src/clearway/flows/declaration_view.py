"""One declaration as its trader's page shows it: the declaration, its timeline (with the selectivity the
trader may read: risk.disclosure), the findings of other checks that hold it, the assessment line by line
with its legal basis, what is paid and still due, how it can be paid, the release and the documents it
cites. Read-only; each part comes from its own domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from clearway.auth.core import Principal
from clearway.controls.service import open_findings
from clearway.declarations import service as declarations
from clearway.errors import NotFound
from clearway.flows import clearance, environmental_goods
from clearway.payments import service as payments
from clearway.payments.core import at_currency_precision
from clearway.payments.providers import PROVIDERS
from clearway.risk import disclosure


def page_view(session: Session, *, principal: Principal, mrn: str) -> dict[str, Any]:
    row = declarations.load_for_read(session, principal=principal, mrn=mrn)
    try:
        assessment = clearance.view(session, principal=principal, mrn=row.mrn)
    except NotFound:
        assessment = None
    timeline = [{"status": h.to_status, "at": h.at,
                 "reason": disclosure.history_for(principal, to_status=h.to_status, reason=h.reason)}
                for h in row.history]
    due = assessment is not None and assessment["current"] and assessment["outstanding"] > 0 \
        and row.status not in ("cancelled", "rejected")
    accounts = [{"number": a.number, "currency": a.currency, "available": payments.available(session, a)}
                for a in payments.list_accounts(session, principal=principal)] if due else []
    secured = due and payments.open_security(session, row.id) is not None
    guarantees = [{"number": g.number, "currency": g.currency,
                   "available": at_currency_precision(payments.guarantee_available(session, g), g.currency)}
                  for g in payments.list_guarantees(session, principal=principal)] \
        if due and not secured and row.status != "released" else []
    return {"row": row, "content": row.content, "timeline": timeline,
            "findings": [{"source": f.source, "lane": f.lane, "reason": f.reason, "reference": f.reference,
                          "raised_at": f.raised_at} for f in open_findings(session, declaration_id=row.id)],
            "assessment": assessment, "due": due, "providers": sorted(PROVIDERS) if due else [],
            "accounts": accounts, "guarantees": guarantees,
            "documents": [{"type": d.type, "reference": d.reference} for d in row.documents],
            "containers": [c.container for c in row.containers],
            "may_assess": row.status == "accepted" and assessment is None,
            "environmental_goods": environmental_goods.matches(session, row=row)}
