import pytest

from tests.tariff.support import DECLARANT


@pytest.fixture
def au(server, keys):
    """A declarant and an officer of AU, as HTTP clients."""
    class AU:
        declarant = keys.client(keys.create("declarant", "AU", DECLARANT))
        officer = keys.client(keys.create("officer", "AU"))

    yield AU
    AU.declarant.close()
    AU.officer.close()
