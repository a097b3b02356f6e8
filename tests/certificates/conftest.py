from __future__ import annotations

import pytest

from clearway.certificates import nppo
from clearway.db import transaction


@pytest.fixture
def th_key(db):
    """Thailand's NPPO signing key in the test database; returns its certificate PEM."""
    with transaction(db.factory) as session:
        return nppo.create_key(session, economy="TH", party_id="NPPO-TH", actor="test").cert_pem
