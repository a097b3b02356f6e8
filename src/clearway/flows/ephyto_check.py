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

from clearway.audit.service import append_rows, event_row
from clearway.certificates.matching import CertView, Policy, cited, match, policy_for, requires
from clearway.certificates import records
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


def citations(session: Session, *, row: Any, policy: Policy | None = None,
              found: dict[str, list[Any]] | None = None) -> tuple[dict[str, CertView | None], Any]:
    """The ePhytos a declaration cites, as this economy holds them (None: not received), and how they match
    its goods (certificates.matching.Outcome): the officer's case file, without raising anything. `found`: the
    certificates by number (records.by_numbers), read once for many declarations."""
    content = row.content or {}
    exporter_country = (content.get("exporter") or {}).get("country")
    refs = cited(content)
    found = records.by_numbers(session, refs) if found is None else found
    views = {ref: records.chosen(found.get(ref, []), economy=row.economy, exporter_country=exporter_country)
             for ref in refs}
    return views, match(content, economy=row.economy, certificates=views, policy=policy or policy_for(row.economy))


def check_declaration(session: Session, *, row: Any, actor: str, policy: Policy | None = None) -> CheckResult:
    """Run the ePhyto document check on a lodged declaration (clearway.declarations.models.Declaration), closing
    its earlier findings that no longer hold (one just lodged goes through `check_new`)."""
    if row.type != "import":
        return CheckResult("not_required")
    _, outcome = citations(session, row=row, policy=policy)
    if not outcome.required:
        return CheckResult("not_required")
    reference = _reference(outcome)
    open_mine = [f for f in controls.open_findings(session, declaration_id=row.id) if f.source == SOURCE]
    if outcome.cleared:
        for f in open_mine:
            controls.close_finding(session, finding=f, mrn=row.mrn or "", actor=actor,
                                   resolution=f"ePhyto {reference} matches the declaration: document check cleared "
                                              "automatically")
        append_rows(session, [_cleared_event(row, outcome, actor)])
        return CheckResult("cleared", references=outcome.references)
    spec = _finding(row, outcome)
    for f in open_mine:  # an earlier finding that no longer says what is wrong is superseded
        if f.code != spec["code"] or f.reference != reference or f.reason != spec["reason"]:
            controls.close_finding(session, finding=f, mrn=row.mrn or "", actor=actor,
                                   resolution="superseded by a newer ePhyto check")
    finding = controls.raise_finding(session, **spec, actor=actor)
    return CheckResult("finding", outcome.problems, finding.id, outcome.references)


def _reference(outcome: Any) -> str | None:
    return ",".join(outcome.references)[:120] or None


def _cleared_event(row: Any, outcome: Any, actor: str) -> dict[str, Any]:
    return event_row(actor=actor, action="declaration.document_check_cleared", entity_type="declaration",
                     entity_id=row.mrn or "", data={"check": "ephyto", "certificates": outcome.references})


def _finding(row: Any, outcome: Any) -> dict[str, Any]:
    """The finding a failed check raises on `row` (controls.raise_finding's arguments)."""
    return dict(declaration_id=row.id, mrn=row.mrn or "", source=SOURCE,
                code=CODE_MISSING if outcome.missing else CODE_MISMATCH, lane="yellow",
                reason="; ".join(outcome.problems), reference=_reference(outcome),
                evidence={"problems": outcome.problems, "certificates": outcome.references})


def check_new(session: Session, *, rows: list[Any], actor: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`check_declaration` of declarations lodged together in this transaction (new: no findings to close),
    without raising anything: (the audit events of the checks cleared, the findings to raise, in row order).
    The certificates all of them cite are read in one query; a declaration with no goods needing a
    certificate (by the pure policy) reads nothing."""
    policies = {economy: policy_for(economy) for economy in {row.economy for row in rows}}
    needing = [row for row in rows if row.type == "import" and requires(row.content or {}, policies[row.economy])]
    found = records.by_numbers(session, [ref for row in needing for ref in cited(row.content or {})])
    events, findings = [], []
    for row in needing:
        _, outcome = citations(session, row=row, policy=policies[row.economy], found=found)
        if not outcome.required:
            continue
        if outcome.cleared:
            events.append(_cleared_event(row, outcome, actor))
        else:
            findings.append(_finding(row, outcome))
    return events, findings


def recheck(session: Session, *, number: str, actor: str) -> list[CheckResult]:
    """A certificate arrived, was replaced or withdrawn: check again every open declaration citing it."""
    results = []
    for decl in declarations.by_document(session, reference=number, type="ephyto"):
        if decl.status in declarations_core.FINAL or not decl.mrn:
            continue
        results.append(check_declaration(session, row=decl, actor=actor))
    return results
