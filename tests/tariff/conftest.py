import pytest

from tests.conftest import example

DECLARANT = "AU-ABN-11222333444"


@pytest.fixture
def au(server, keys):
    """A declarant and an officer of AU, as HTTP clients."""
    class AU:
        declarant = keys.client(keys.create("declarant", "AU", DECLARANT))
        officer = keys.client(keys.create("officer", "AU"))

    yield AU
    AU.declarant.close()
    AU.officer.close()


def lodge(client, name="tariff-au-tshirts.json", **changes):
    body = {**example(name), **changes}
    r = client.post("/api/v1/declarations", json=body)
    assert r.status_code == 201, r.text
    return r.json()["mrn"]
