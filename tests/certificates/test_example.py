"""The ePhyto example of the guide (examples/ephyto-cn-oranges.json) is what an NPPO posts to issue one:
it is issued, schema-valid and signed, and it clears the document check of the guide's example declaration
(examples/declaration-au-oranges.json), which cites it."""

from __future__ import annotations

from pathlib import Path

from clearway.certificates import nppo
from clearway.db import transaction
from tests.support import example

DOCS = Path(__file__).parents[2] / "docs" / "certificates.md"


def test_the_ephyto_example_is_issued_and_clears_the_example_declaration(db, keys):
    with transaction(db.factory) as session:
        nppo.create_key(session, economy="CN", party_id="NPPO-CN", actor="test")
    with keys.client(keys.create("nppo", "CN", "NPPO-CN")) as cn:
        r = cn.post("/api/v1/certificates/ephyto", json=example("ephyto-cn-oranges.json"))
    assert r.status_code == 201, r.text
    cert = r.json()
    assert (cert["number"], cert["importing_economy"], cert["signed"]) == ("CN-2026-PHY-000042", "AU", True)
    assert [f for f in cert["findings"] if f["level"] != "INFO"] == []
    assert cert["summary"]["transport"] == [{"mode_code": "1", "mode": "Maritime transport",
                                             "means": "MV Pearl River Star"}]
    with keys.client(keys.create("declarant", "AU", "AU-ABN-11222333444")) as broker:
        mrn = broker.post("/api/v1/declarations", json=example("declaration-au-oranges.json")).json()["mrn"]
        assert broker.get(f"/api/v1/declarations/{mrn}").json()["findings"] == []


def test_the_guide_uses_the_example():
    assert "examples/ephyto-cn-oranges.json" in DOCS.read_text()
