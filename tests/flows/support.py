"""What the lodging flow's tests share: declarations whose checks give every outcome, and everything lodging
stored about them, to compare one way of lodging with another."""

from __future__ import annotations

import json

from sqlalchemy import select

from clearway.audit.models import AuditEvent
from clearway.controls.models import Finding
from clearway.declarations.models import (Declaration, DeclarationContainer, DeclarationDocument, DeclarationItem,
                                          DeclarationVersion, StatusEvent)
from clearway.timerelease.models import Milestones
from tests.certificates.factories import declaration

PARTY = "AU-ABN-51824753556"  # the importer the certificate factories name
BOX, CLEAN_BOX = "MSCU1234566", "CSQU3054383"
T_SHIRTS = [{"hs_code": "610910", "description": "Cotton T-shirts", "origin": "TH", "quantity": "100", "unit": "pce",
             "value": "300"}]


def lodging_set(tag: str) -> list[dict]:
    """Declarations whose checks give every outcome: cleared, missing, mismatched, a seal hold, nothing."""
    fruit = declaration()["items"]
    return [
        declaration(lrn=f"{tag}-cleared"),
        declaration(lrn=f"{tag}-missing", documents=[{"type": "ephyto", "reference": "TH2026-000999"}]),
        declaration(lrn=f"{tag}-mismatch", items=[{**fruit[0], "quantity": "90000", "net_weight_kg": "90000"}]),
        declaration(lrn=f"{tag}-uncited", documents=[]),
        declaration(lrn=f"{tag}-held", transport={"mode": "sea", "document": "MEKO9", "containers": [BOX, CLEAN_BOX]}),
        declaration(lrn=f"{tag}-held-shirts", items=T_SHIRTS, documents=[],
                    transport={"mode": "sea", "document": "MEKO8", "containers": [BOX]}),
        declaration(lrn=f"{tag}-plain", items=T_SHIRTS, documents=[], office="AUMEL",
                    transport={"mode": "sea", "document": "MEKO7", "containers": [CLEAN_BOX]}),
    ]


def snapshot(factory, tag: str) -> dict[str, dict]:
    """Everything lodging stored about each declaration whose LRN starts with `tag`, keyed by the rest of its LRN,
    apart from ids, MRNs and times (and the content fingerprint, the LRN being in the content)."""
    out: dict[str, dict] = {}
    with factory() as s:
        for d in s.scalars(select(Declaration).where(Declaration.lrn.like(f"{tag}-%"))):
            audit = []
            for e in s.scalars(select(AuditEvent).where(AuditEvent.entity_id == d.mrn).order_by(AuditEvent.seq)):
                data = json.loads(e.data)
                data.pop("fingerprint", None)
                if "finding" in data:
                    data["finding"] = "id"
                audit.append((e.actor, e.action, data))
            m = s.get(Milestones, d.id)
            snap = {
                "head": (d.declarant_id, d.type, d.economy, d.office, d.status, d.channel, d.version, d.content,
                         d.accepted_at == d.updated_at),
                "items": [(i.line, i.hs_code, i.description, i.origin, i.quantity, i.unit, i.gross_weight_kg,
                           i.net_weight_kg, i.value)
                          for i in s.scalars(select(DeclarationItem).where(DeclarationItem.declaration_id == d.id)
                                             .order_by(DeclarationItem.line))],
                "containers": sorted(c.container for c in s.scalars(select(DeclarationContainer).where(
                    DeclarationContainer.declaration_id == d.id))),
                "documents": sorted((x.type, x.reference) for x in s.scalars(select(DeclarationDocument).where(
                    DeclarationDocument.declaration_id == d.id))),
                "history": [(h.from_status, h.to_status, h.actor, h.reason, h.at == d.accepted_at)
                            for h in s.scalars(select(StatusEvent).where(StatusEvent.declaration_id == d.id))],
                "versions": [(v.version, v.content, v.actor, v.reason, v.created_at == d.accepted_at)
                             for v in s.scalars(select(DeclarationVersion).where(
                                 DeclarationVersion.declaration_id == d.id))],
                "audit": audit,
                "findings": [(f.source, f.code, f.lane, f.reason, f.reference, f.evidence, f.closed_at)
                             for f in s.scalars(select(Finding).where(Finding.declaration_id == d.id)
                                                .order_by(Finding.id))],
                "milestones": m and (m.economy, m.office, m.status, m.declarant, m.importer, m.mode, m.lane,
                                     m.low_value, m.items, m.goods, m.arrival, m.lodged == d.accepted_at,
                                     m.accepted == d.accepted_at),
            }
            out[d.lrn.removeprefix(f"{tag}-")] = json.loads(json.dumps(snap, default=str).replace(d.lrn, "LRN")
                                                            .replace(d.mrn, "MRN"))
    return out
