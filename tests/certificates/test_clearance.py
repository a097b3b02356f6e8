"""The clearance document check: declarations matched against received ePhytos (both backends)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clearway.audit.models import AuditEvent
from clearway.certificates import builder, nppo, receiving, signing
from clearway.certificates.schemas import EPhytoIn
from clearway.controls import service as controls
from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.schemas import DeclarationIn
from clearway.flows import ephyto_check
from clearway.flows.ephyto import receive as receive_from_hub
from tests.certificates.factories import DECLARATION, declaration, ephyto


@pytest.fixture(scope="module")
def th_pair():
    return signing.new_key_pair(economy="TH", party="NPPO-TH")


class Desk:
    """Lodges declarations and receives ePhytos in Australia's database."""

    def __init__(self, db, keys, pair) -> None:
        self.db, self.pair = db, pair
        self.declarant = keys.principal("declarant", "AU", "AU-ABN-51824753556")
        with transaction(db.factory) as s:
            nppo.trust(s, economy="TH", cert_pem=pair.cert_pem.decode(), actor="test")
        self.delivery = 0

    def lodge(self, data: dict):
        with transaction(self.db.factory) as s:
            row, _ = declarations.lodge(s, principal=self.declarant, decl=DeclarationIn.model_validate(data))
            return row.id

    def receive(self, status: int = 70, **changes) -> receiving.Received:
        root = builder.build(EPhytoIn.model_validate(ephyto(**changes)))
        if status == 40:
            root.find(".//{*}StatusCode").text = "40"
        xml = builder.to_bytes(signing.sign(root, self.pair)).decode()
        self.delivery += 1
        with transaction(self.db.factory) as s:
            got = receive_from_hub(s, economy="AU", delivery_number=f"d-{self.delivery}", sender="TH", to="AU",
                                   number=changes.get("number", "TH2026-000123"), status_code=status, content=xml)
        assert got.outcome in ("accepted", "warnings"), got.reason
        return got

    def check(self, decl_id: int) -> ephyto_check.CheckResult:
        with transaction(self.db.factory) as s:
            return ephyto_check.check_declaration(s, row=declarations.by_id(s, decl_id), actor="officer:test")

    def findings(self, decl_id: int):
        with self.db.factory() as s:
            return [(f.code, f.lane, f.reason) for f in controls.open_findings(s, declaration_id=decl_id)]


@pytest.fixture
def desk(db, keys, th_pair):
    return Desk(db, keys, th_pair)


def test_a_matching_certificate_clears_the_document_check(desk, db):
    desk.receive()
    decl = desk.lodge(declaration())
    result = desk.check(decl)
    assert (result.outcome, result.reasons) == ("cleared", [])
    assert desk.findings(decl) == []
    with db.factory() as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "declaration")))
    assert "declaration.document_check_cleared" in actions


def test_no_certificate_referenced_is_a_yellow_finding(desk):
    decl = desk.lodge(declaration(documents=[]))
    result = desk.check(decl)
    assert result.outcome == "finding"
    [(code, lane, reason)] = desk.findings(decl)
    assert (code, lane) == ("ephyto.missing", "yellow")
    assert "1 (HS 080450), 2 (HS 08106000)" in reason and "482020" not in reason
    with desk.db.factory() as s:
        assert controls.required_lane(s, declaration_id=decl) == "yellow"


def test_a_certificate_arriving_later_clears_the_finding_by_itself(desk):
    decl = desk.lodge(declaration())
    desk.check(decl)
    [(code, _, reason)] = desk.findings(decl)
    assert code == "ephyto.missing" and "TH2026-000123 has not been received by AU" in reason
    desk.receive()  # the recheck runs on receipt
    assert desk.findings(decl) == []


def test_a_withdrawal_after_lodging_raises_a_finding(desk):
    desk.receive()
    decl = desk.lodge(declaration())
    assert desk.check(decl).outcome == "cleared"
    desk.receive(status=40)
    [(code, _, reason)] = desk.findings(decl)
    assert code == "ephyto.mismatch" and "withdrawn by the NPPO of TH" in reason


@pytest.mark.parametrize("changes, words", [
    ({"items": [dict(DECLARATION["items"][0], net_weight_kg="13000"), DECLARATION["items"][1]]},
     "item 1 declare 13000 kg net of HS 080450; ePhyto TH2026-000123 certifies 12000 kg (tolerance 5%)"),
    ({"importer": {"name": "Someone Else Pty", "country": "AU"}},
     "importer 'Someone Else Pty' is not the consignee named on ePhyto TH2026-000123"),
    ({"exporter": {"name": "Mekong Traders", "country": "TH"}},
     "exporter 'Mekong Traders' is not the consignor named on ePhyto TH2026-000123"),
    ({"items": [dict(DECLARATION["items"][0], origin="VN")]}, "item 1 (HS 080450) declares origin VN; the ePhyto "
                                                                "certifies TH"),
    ({"items": [dict(DECLARATION["items"][0], hs_code="080910")]}, "item 1 (HS 080910) is on no referenced ePhyto"),
])
def test_mismatches_say_what_did_not_match(desk, changes, words):
    desk.receive()
    decl = desk.lodge(declaration(**changes))
    result = desk.check(decl)
    assert result.outcome == "finding"
    [(code, lane, reason)] = desk.findings(decl)
    assert (code, lane) == ("ephyto.mismatch", "yellow")
    assert words in reason, reason


def test_a_finding_is_raised_once_and_closed_when_the_declaration_matches(desk):
    desk.receive()
    decl = desk.lodge(declaration(items=[dict(DECLARATION["items"][0], net_weight_kg="13000")]))
    first, again = desk.check(decl), desk.check(decl)
    assert first.finding_id == again.finding_id and len(desk.findings(decl)) == 1
    with transaction(desk.db.factory) as s:  # amend the quantity: the next check clears it
        declarations.amend(s, principal=desk.declarant, mrn=declarations.by_id(s, decl).mrn, reason="fix",
                           changes={"items": [DECLARATION["items"][0]]})
    assert desk.check(decl).outcome == "cleared" and desk.findings(decl) == []


def test_a_finding_on_someone_elses_certificate_quotes_nothing_of_it(desk):
    """The declarant reads its findings: citing another trader's number must not reveal that certificate's
    parties, weights or origins (declarants read no ePhyto; see docs/certificates.md)."""
    desk.receive()
    decl = desk.lodge(declaration(importer={"name": "Nosy Imports Pty", "country": "AU"},
                                  exporter={"name": "Nosy Exports", "country": "TH"}))
    assert desk.check(decl).outcome == "finding"
    [(_, _, reason)] = desk.findings(decl)
    for secret in ("Oz Fruit", "Siam", "12000", "8000"):
        assert secret not in reason, reason


def test_goods_needing_no_certificate_are_not_checked(desk):
    decl = desk.lodge(declaration(items=[DECLARATION["items"][2]], documents=[]))
    assert desk.check(decl).outcome == "not_required" and desk.findings(decl) == []


def test_the_hs_list_is_configurable(desk, monkeypatch):
    monkeypatch.setenv("CLEARWAY_PHYTO_HS", "4820")
    decl = desk.lodge(declaration(items=[DECLARATION["items"][2]], documents=[]))
    assert desk.check(decl).outcome == "finding"
