"""The clearance document check: a declaration whose goods need a phytosanitary certificate is matched
against the ePhytos this economy holds. A match clears the check automatically; a missing or mismatched
certificate raises a control finding (yellow lane, blocks automatic release) saying what did not match.

A flow: it reads certificates and declarations and raises findings (controls). The lodging flow runs it on
each declaration, the ePhyto flow (flows/ephyto.py) on the declarations citing a certificate that changed
or arrived from the hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.certificates.matching import CertView, Policy, match, policy_for
from clearway.certificates.records import for_matching
from clearway.controls import service as controls
from clearway.declarations import core as declarations_core, service as declarations

SOURCE = "certificates"
CODE_MISSING, CODE_MISMATCH = "ephyto.missing", "ephyto.mismatch"


@dataclass
class CheckResult:
    outcome: str  # not_required | cleared | finding
    reasons: list[str] = field(default_factory=list)
    finding_id: int | None = None
    references: list[str] = field(default_factory=list)


def citations(session: Session, *, row: Any, policy: Policy | None = None) -> tuple[dict[str, CertView | None], Any]:
    """The ePhytos a declaration cites, as this economy holds them (None: not received), and how they match
    its goods (certificates.matching.Outcome): the officer's case file, without raising anything."""
    content = row.content or {}
    exporter_country = (content.get("exporter") or {}).get("country")
    refs = [d["reference"] for d in content.get("documents") or [] if str(d.get("type", "")).lower() == "ephyto"]
    views = {ref: for_matching(session, number=ref, economy=row.economy, exporter_country=exporter_country)
             for ref in refs}
    return views, match(content, economy=row.economy, certificates=views, policy=policy or policy_for(row.economy))


def check_declaration(session: Session, *, row: Any, actor: str, policy: Policy | None = None,
                      new: bool = False) -> CheckResult:
    """Run the ePhyto document check on a lodged declaration (clearway.declarations.models.Declaration).
    `new`: lodged in this transaction, so it has no findings yet to close."""
    if row.type != "import":
        return CheckResult("not_required")
    _, outcome = citations(session, row=row, policy=policy)
    if not outcome.required:
        return CheckResult("not_required")
    reference = ",".join(outcome.references)[:120] or None
    open_mine = [] if new else [f for f in controls.open_findings(session, declaration_id=row.id)
                                if f.source == SOURCE]
    if outcome.cleared:
        for f in open_mine:
            controls.close_finding(session, finding=f, mrn=row.mrn or "", actor=actor,
                                   resolution=f"ePhyto {reference} matches the declaration: document check cleared "
                                              "automatically")
        append_event(session, actor=actor, action="declaration.document_check_cleared", entity_type="declaration",
                     entity_id=row.mrn or "", data={"check": "ephyto", "certificates": outcome.references})
        return CheckResult("cleared", references=outcome.references)
    code = CODE_MISSING if outcome.missing else CODE_MISMATCH
    reason = "; ".join(outcome.problems)
    for f in open_mine:  # an earlier finding that no longer says what is wrong is superseded
        if f.code != code or f.reference != reference or f.reason != reason:
            controls.close_finding(session, finding=f, mrn=row.mrn or "", actor=actor,
                                   resolution="superseded by a newer ePhyto check")
    finding = controls.raise_finding(session, declaration_id=row.id, mrn=row.mrn or "", source=SOURCE, code=code,
                                     lane="yellow", reason=reason, actor=actor, reference=reference,
                                     evidence={"problems": outcome.problems, "certificates": outcome.references})
    return CheckResult("finding", outcome.problems, finding.id, outcome.references)


def recheck(session: Session, *, number: str, actor: str) -> list[CheckResult]:
    """A certificate arrived, was replaced or withdrawn: check again every open declaration citing it."""
    results = []
    for decl in declarations.by_document(session, reference=number, type="ephyto"):
        if decl.status in declarations_core.FINAL or not decl.mrn:
            continue
        results.append(check_declaration(session, row=decl, actor=actor))
    return results
