from tests.support import example


def test_lodge_over_http_on_each_backend(db, server, keys):
    key = keys.create("declarant", "AU", "AU-ABN-11222333444")
    with keys.client(key) as c:
        r = c.post("/api/v1/declarations", json=example("declaration-au-oranges.json"))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "accepted"
    assert r.json()["mrn"].startswith("26AUSYD")
