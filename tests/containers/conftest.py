"""Fixtures of the container tests: an officer and a declarant of AU (helpers are in support.py)."""

from __future__ import annotations

import pytest

from tests.containers.support import DECLARANT, ECONOMY


@pytest.fixture
def officer(keys):
    return keys.principal("officer", ECONOMY)


@pytest.fixture
def declarant(keys):
    return keys.principal("declarant", ECONOMY, DECLARANT)
