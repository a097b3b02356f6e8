"""Withdrawing or replacing an ePhyto re-checks the declarations citing it in the same transaction
(flows.ephyto): their findings change at once, not when the declaration is next amended."""

from __future__ import annotations

import pytest

from clearway.certificates import nppo
from clearway.db import transaction
from tests.certificates.factories import ephyto
from tests.certificates.factories import declaration

CERTS = "/api/v1/certificates/ephyto"


@pytest.fixture
def desk(db, keys):
    """Thailand's NPPO issues, an Australian importer lodges and an Australian officer reads, on one node."""
    with transaction(db.factory) as session:
        nppo.create_key(session, economy="TH", party_id="NPPO-TH", actor="test")
    th = keys.client(keys.create("nppo", "TH", "NPPO-TH"))
    broker = keys.client(keys.create("declarant", "AU", "AU-ABN-51824753556"))
    officer = keys.client(keys.create("officer", "AU"))
    assert th.post(CERTS, json=ephyto()).status_code == 201
    yield th, broker, officer
    for client in (th, broker, officer):
        client.close()


def lodge(broker, **changes) -> str:
    r = broker.post("/api/v1/declarations", json=declaration(**changes))
    assert r.status_code == 201, r.text
    return r.json()["mrn"]


def findings(officer, mrn: str) -> list[tuple[str, str]]:
    return [(f["code"], f["reason"]) for f in officer.get(f"/api/v1/declarations/{mrn}").json()["findings"]]


def test_withdrawing_raises_the_finding_on_the_citing_declaration_at_once(desk):
    th, broker, officer = desk
    mrn = lodge(broker)
    assert findings(officer, mrn) == []  # the certificate matches: cleared at lodging
    r = th.post(f"{CERTS}/TH2026-000123/withdraw", json={"reason": "shipment cancelled"})
    assert r.status_code == 200, r.text
    [(code, reason)] = findings(officer, mrn)
    assert code == "ephyto.mismatch" and "ePhyto TH2026-000123 was withdrawn by the NPPO of TH" in reason


def test_replacing_moves_the_findings_from_the_new_number_to_the_old(desk):
    th, broker, officer = desk
    cites_old = lodge(broker)
    cites_new = lodge(broker, lrn="OZ-2026-0002", documents=[{"type": "ephyto", "reference": "TH2026-000124"}])
    [(code, reason)] = findings(officer, cites_new)
    assert code == "ephyto.missing" and "TH2026-000124 has not been received by AU" in reason
    r = th.post(f"{CERTS}/TH2026-000123/replace",
                json={"reason": "consignee corrected", "certificate": ephyto(number="TH2026-000124")})
    assert r.status_code == 201, r.text
    [(code, reason)] = findings(officer, cites_old)
    assert code == "ephyto.mismatch" and "ePhyto TH2026-000123 was replaced by TH2026-000124" in reason
    assert findings(officer, cites_new) == []
