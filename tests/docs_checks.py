"""What each guide's commands must print and leave behind, checked after tests/test_docs_commands.py has
run the guide's ```sh blocks (one function per file; the text of each guide says the same)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from tests.test_docs_commands import Workspace


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _check_readme(ws: Workspace) -> None:
    """The walkthrough goes lodge -> assess -> lane -> pay -> release with the numbers it states."""
    said = squeeze("\n".join(ws.outputs))
    for words in ('"status":"accepted"', "alreadylodged", "3declarations:3accepted,0alreadylodged,0refused",
                  '"lane":"green"', '"total_due":"491.13"', '"currency":"AUD"', '"status":"released"',
                  '"valid":true', "auditchainintact"):
        assert squeeze(words) in said, words
    mrn, code = ws.env["MRN"], ws.env["CODE"]
    assert re.fullmatch(r"\d\dAUSYD\d{8}[0-9A-Z]", mrn), mrn
    release = httpx.get(f"{ws.url}/api/v1/release/{code}", timeout=30).json()
    assert (release["valid"], release["declaration"], release["status"]) == (True, mrn, "released")
    assert ws.env["REF"].startswith("RF")


def _check_tariff(ws: Workspace) -> None:
    said = squeeze("\n".join(ws.outputs))
    for words in ("duty 1100, excise 900, consumption tax 2100", "total due 4100 JPY", "KR: 4 measures loaded",
                  '"rate": "13%"', '"agreement": "KORUS"', "2 exchange rates loaded",
                  "6 parcels: 5 assessed, 1 refused; duty 88.34, excise 96.48, tax 195.17, total 379.99 AUD",
                  "exit 1: the manifest's line 6 is refused", "851660"):
        assert squeeze(words) in said, words
    rows = (ws.cwd / "parcels.csv").read_text().splitlines()
    assert len(rows) == 7 and rows[1].startswith("1,AU-EX-0001,851713,")


def _check_risk(ws: Workspace) -> None:
    import json

    metrics = json.loads(ws.outputs[-1].strip().splitlines()[-1])  # evaluate --json: one line
    assert (metrics["n"], metrics["frauds"]) == (600, 127)  # the sample's rows and its irregular ones
    assert 0.5 < metrics["auc"] <= 1
    assert (ws.cwd / "kcs-model" / "metadata.json").is_file()


def _check_certificates(ws: Workspace) -> None:
    """China's NPPO issues the oranges' ePhyto; it clears the declaration at once on this node, and on
    Australia's node (var/au) its arrival through the hub closes the finding raised while it was missing."""
    from sqlalchemy import create_engine, text

    said = squeeze("\n".join(ws.outputs))
    for words in ('{"number":"CN-2026-PHY-000042","status":"issued","signed":true,"importing_economy":"AU"',
                  '"delivery":"pending"', '"status":"accepted","findings":[]', '"sent":1', '"accepted":1',
                  "trustedCN=NPPO-CN", "auditchainintact"):
        assert squeeze(words) in said, words
    issued = httpx.get(f"{ws.url}/api/v1/certificates/ephyto/CN-2026-PHY-000042",
                       headers={"Authorization": f"Bearer {ws.env['NPPO_CN_KEY']}"}, timeout=30).json()
    assert (issued["status"], issued["delivery"]["state"]) == ("issued", "sent")  # the exchange sent it
    engine = create_engine(f"sqlite:///{ws.dir / 'var' / 'au' / 'clearway.db'}")
    try:
        with engine.connect() as db:
            cert = db.execute(text("SELECT direction, status, signature_verified_at IS NOT NULL FROM certificates "
                                   "WHERE number = 'CN-2026-PHY-000042'")).one()
            findings = db.execute(text("SELECT code, closed_at IS NOT NULL FROM control_findings")).all()
    finally:
        engine.dispose()
    assert tuple(cert) == ("received", "issued", True)
    assert [tuple(f) for f in findings] == [("ephyto.missing", True)]


def _check_containers(ws: Workspace) -> None:
    """The seal opened on the road raises the opened alert, which holds the oranges until an officer
    closes it; the simulated fleet goes through the broker and scores as the guide says."""
    said = squeeze("\n".join(ws.outputs))
    mrn = ws.env["MRN"]
    for words in ('"stored":4,"duplicates":0,"refused":0', '"rule":"opened","severity":"critical"',
                  f'"declarations":["{mrn}"]', '{"source":"seals","code":"seal.opened","lane":"red"}',
                  '{"status":"closed","finding":"tampered"}', '{"status":"accepted","findings":["ephyto.missing"]}',
                  '"open":0,"tampered":1',
                  "10 journeys, 1658 events published",
                  "38 messages: 1658 events stored, 0 repeats dropped, 0 refused, 3 alerts raised",
                  "10 journeys, 3 tampered, 3 flagged: precision 1.0, recall 1.0; honest journeys alerted 0.0",
                  "alerts raised"):
        assert squeeze(words) in said, words
    alert = httpx.get(f"{ws.url}/api/v1/alerts/{ws.env['ALERT']}",
                      headers={"Authorization": f"Bearer {ws.env['OFFICER']}"}, timeout=30).json()
    assert (alert["rule"], alert["status"], alert["finding"], alert["declarations"]) == (
        "opened", "closed", "tampered", [mrn])


def _check_dashboard(ws: Workspace) -> None:
    """The released declaration is in the figures (ended, none censored), the CSV has its header, the
    report prints its tables, and the entered indicator shows with its source."""
    said = squeeze("\n".join(ws.outputs))
    for words in ('{"status":"released"}', '"declarations":1,"lodgement_to_release":[{"ended":1,"censored":0',
                  "group,interval,ended,censored,lacking", "Bottlenecks", "setAU/paperless_declarations_share=97.5%",
                  '{"key":"paperless_declarations_share","source":"entered"}'):
        assert squeeze(words) in said, words


def _check_tfa(ws: Workspace) -> None:
    """The loads print their counts; matches, gaps and the regional shares are the ones the guide states."""
    said = squeeze("\n".join(ws.outputs))
    for words in ("commitments.csv: 4 commitments created, 0 changed", "projects.csv: 2 projects created, 0 changed",
                  '["RISK-1",4]', '["TRS-1",3]', '["3",["PG"]]', "workforce.csv: 2 years created, 0 changed",
                  '["PG",2025,"31.5"]'):
        assert squeeze(words) in said, words
    history = httpx.get(f"{ws.url}/api/v1/tfa/commitments/PG/7.4/history", timeout=30).json()
    assert [(c["actor"], c["after"]["percent"]) for c in history] == [("cli", 30)]


def _check_green(ws: Workspace) -> None:
    """The edition loads and is in force; the check counts its two subheadings on the AU demo schedule."""
    said = squeeze("\n".join(ws.outputs))
    for words in ("Example edition: 2 subheadings in force", "Example edition: 2 subheadings; illustration for the guide",
                  "2 listed subheadings:"):
        assert squeeze(words) in said, words
    body = httpx.get(f"{ws.url}/api/v1/green/tariff-check", params={"economy": "AU", "date": "2026-12-01"},
                     timeout=30).json()
    assert [s["subheading"] for s in body["subheadings"]] == ["854143", "850231"]
    assert sum(body["counts"].values()) == 2
    # the solar declaration is flagged (the example edition lists 8541.43 whole) and counted on the dashboard
    assert squeeze('{"item":1,"subheading":"854143","listed_as":"854140","coverage":"listed"}') in said
    assert squeeze('["environmental_goods_declarations",[["carrying listed goods",[["declarations","1"]]],'
                   '["all goods",[["declarations","1"]]]]]') in said
    assert squeeze('["environmental_goods_value",[["carrying listed goods",[["USD","24200.00"]]]') in said


CHECKS = {"README.md": _check_readme, "green.md": _check_green, "tfa.md": _check_tfa, "tariff.md": _check_tariff, "risk.md": _check_risk,
          "certificates.md": _check_certificates, "containers.md": _check_containers, "dashboard.md": _check_dashboard}
