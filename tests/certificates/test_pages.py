"""The printable view and the verification page, over real HTTP."""

from __future__ import annotations

from tests.certificates.factories import ephyto


def test_printable_view_and_verification(db, server, keys, th_key, http):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        cert = th.post("/api/v1/certificates/ephyto", json=ephyto()).json()
    code = cert["verification_code"]
    page = http.get(f"/certificates/print/{code}")
    assert page.status_code == 200
    for words in ("TH2026-000123", "Siam Fresh Fruit Co., Ltd.", "Garcinia mangostana", "080450", code,
                  "Bactrocera dorsalis", "Fludioxonil", "signature\n     verified"):
        assert words in page.text, words
    ok = http.get("/certificates/verify", params={"code": code.lower().replace("-", " ")})
    assert ok.status_code == 200 and "status <strong>issued</strong>" in ok.text
    bad = http.get("/certificates/verify", params={"code": "AAAA-BBBB-CCCC-DDDD"})
    assert bad.status_code == 404 and "No certificate" in bad.text
    assert http.get("/certificates/print/AAAA-BBBB-CCCC-DDDD").status_code == 404
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        th.post("/api/v1/certificates/ephyto/TH2026-000123/withdraw", json={"reason": "cancelled"})
    later = http.get("/certificates/verify", params={"code": code})  # the paper now shows it is withdrawn
    assert later.status_code == 200 and "status <strong>withdrawn</strong>" in later.text
