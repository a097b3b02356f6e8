"""Fixtures of the risk tests: the KCS sample histories and a small model trained on them once."""

from __future__ import annotations

import pytest

from tests.risk.support import TRAIN, VALID


@pytest.fixture(scope="session")
def train_history():
    from clearway.risk.history import read_history

    return read_history([TRAIN])


@pytest.fixture(scope="session")
def valid_history():
    from clearway.risk.history import read_history

    return read_history([VALID])


@pytest.fixture(scope="session")
def small_model(train_history, tmp_path_factory):
    """Trained on the 2020 sample, saved and loaded back (as the services use it)."""
    from clearway.risk.model import FraudModel

    directory = tmp_path_factory.mktemp("model")
    FraudModel(max_rounds=60).fit(train_history).save(directory)
    return FraudModel.load(directory)


@pytest.fixture(scope="session")
def model_dir(small_model, tmp_path_factory):
    directory = tmp_path_factory.mktemp("model-copy")
    small_model.save(directory)
    return directory
