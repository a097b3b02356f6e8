"""Helpers the declaration tests share: the example declaration with changes, and row counts."""

from __future__ import annotations

import copy

from sqlalchemy import func, select

from clearway.declarations.models import Declaration
from tests.support import example

PARTY = "AU-ABN-11222333444"


def doc(**changes) -> dict:
    """The Australian oranges example, with `changes` applied at the top level."""
    d = copy.deepcopy(example("declaration-au-oranges.json"))
    d.update(changes)
    return d


def count(db, model=Declaration) -> int:
    with db.factory() as s:
        return s.scalar(select(func.count()).select_from(model))
