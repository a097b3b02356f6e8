"""Helpers for the tariff tests."""

from __future__ import annotations

from tests.support import example

DECLARANT = "AU-ABN-11222333444"


def lodge(client, name="tariff-au-tshirts.json", **changes):
    """Lodge an example declaration over HTTP (with `changes` on top); returns its MRN."""
    body = {**example(name), **changes}
    r = client.post("/api/v1/declarations", json=body)
    assert r.status_code == 201, r.text
    return r.json()["mrn"]
