"""Who reads an ePhyto: one rule (certificates.service.readable) decides the list and every single read.
NPPO, customs officer and admin keys read; declarants read none (a declaration's citation is typed by the
declarant, so it cannot be what opens a certificate naming someone else's consignment)."""

from __future__ import annotations

from tests.certificates.factories import ephyto

BASE = "/api/v1/certificates"


def _reads(client) -> tuple[int, int, int, list[str]]:
    listed = client.get(f"{BASE}/ephyto")
    one = client.get(f"{BASE}/ephyto/TH2026-000123")
    xml = client.get(f"{BASE}/ephyto/TH2026-000123/xml")
    numbers = [c["number"] for c in listed.json()["items"]] if listed.status_code == 200 else []
    return listed.status_code, one.status_code, xml.status_code, numbers


def test_the_list_and_the_reads_follow_one_rule(db, server, keys, th_key):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        assert th.post(f"{BASE}/ephyto", json=ephyto()).status_code == 201
    expected = {
        ("nppo", "TH"): (200, 200, 200, ["TH2026-000123"]),
        ("officer", "AU"): (200, 200, 200, ["TH2026-000123"]),
        ("officer", "TH"): (200, 200, 200, ["TH2026-000123"]),
        ("admin", "NZ"): (200, 200, 200, ["TH2026-000123"]),
        ("officer", "NZ"): (200, 404, 404, []),
        ("nppo", "NZ"): (200, 404, 404, []),
        ("declarant", "AU"): (403, 403, 403, []),
        ("declarant", "TH"): (403, 403, 403, []),
    }
    for (role, economy), want in expected.items():
        with keys.client(keys.create(role, economy, "P-1" if role != "officer" else None)) as client:
            assert _reads(client) == want, (role, economy)


def test_a_declarant_is_told_why_it_reads_no_ephyto(db, server, keys, th_key):
    with keys.client(keys.create("declarant", "AU", "AU-ABN-51824753556")) as trader:
        r = trader.get(f"{BASE}/ephyto")
    assert r.status_code == 403
    assert "NPPO, customs officer and admin" in r.json()["detail"]


def test_the_trusted_nppo_registry_is_read_by_admin_and_nppo_keys_only(db, server, keys, th_key):
    for role, status in (("admin", 200), ("nppo", 200), ("officer", 403), ("declarant", 403)):
        with keys.client(keys.create(role, "AU", "P-1" if role != "officer" else None)) as client:
            r = client.get(f"{BASE}/nppo-certificates/TH")
            assert r.status_code == status, (role, r.text)
            if status == 200:
                assert [c["economy"] for c in r.json()] == ["TH"]
