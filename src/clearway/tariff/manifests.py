"""Bulk low-value consignments: a manifest of parcels (JSON Lines or CSV) assessed under the rules of the
caller's economy, with one audit event per manifest (and day of the rules), however often it is sent. The
API (`POST /api/v1/consignments/bulk`) and the trader's parcels page both call `assess_manifest`."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from clearway.audit.service import append_event, history
from clearway.auth.core import Principal, is_customs, is_declarant
from clearway.errors import FieldError, Forbidden, Invalid
from clearway.tariff import bulk, rules, service

ACTION = "consignments.bulk_assessed"


def assess_manifest(session: Session, *, principal: Principal, body: bytes, kind: str,
                    on: date) -> tuple[dict[str, Any], pl.DataFrame]:
    """(summary, one result row per parcel). `kind` is "csv" or "jsonl"."""
    if not (is_declarant(principal) or is_customs(principal)):
        raise Forbidden("this key may not lodge manifests")
    if not body.strip():
        raise Invalid("the manifest is empty", errors=[FieldError("body", "no parcels")])
    try:
        df = bulk.read_manifest(body, "csv" if kind == "csv" else None)
    except (ValueError, pl.exceptions.PolarsError) as exc:
        raise Invalid("the manifest could not be read", errors=[FieldError("body", str(exc))]) from None
    r = rules.get(principal.economy)
    res = bulk.assess(df, rules=r, schedule=service.schedule_for(session, r.economy),
                      rates=service.rates_for(session, r.economy, on), on=on)
    manifest = hashlib.sha256(body).hexdigest()[:32]  # the manifest's identity: its content
    data = {k: v for k, v in res.summary.items() if k != "refusals"}
    # The same manifest sent again by the same caller for the same day (its answer lost: a dropped connection,
    # a server killed before it answered) is the same assessment: its result again, recorded once.
    if not any(e["action"] == ACTION and e["actor"] == principal.actor and e.get("date") == data["date"]
               for e in history(session, entity_type="manifest", entity_id=manifest)):
        append_event(session, actor=principal.actor, action=ACTION, entity_type="manifest", entity_id=manifest,
                     data=data)
    return res.summary, bulk.result_rows(res)
