"""Fixtures of the declaration tests."""

from __future__ import annotations

import pytest

from tests.declarations.support import PARTY


@pytest.fixture
def broker(keys):
    """An HTTP client holding a declarant key of the Australian party the examples name."""
    return keys.client(keys.create("declarant", "AU", PARTY))
