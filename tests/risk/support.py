"""Helpers for the risk tests: the KCS sample histories, and bringing declarations to `assessed` (as the
clearance flow will)."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

from sqlalchemy import select

from clearway.db import transaction
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationIn
from tests.support import example

DATA = Path(__file__).resolve().parent / "data"
TRAIN = DATA / "kcs-train-sample.csv"
VALID = DATA / "kcs-valid-sample.csv"

DECLARANT = "AU-ABN-11222333444"
_n = itertools.count(1)


def declaration(**changes) -> dict:
    d = copy.deepcopy(example("declaration-au-oranges.json"))
    d["lrn"] = f"RISK-{next(_n):06d}"
    items = changes.pop("items", None)
    if items is not None:
        d["items"] = items
    d.update(changes)
    return d


def assessed(factory, principal, **changes) -> str:
    """Lodge a declaration and move it to `assessed`; returns its MRN."""
    with transaction(factory) as session:
        row, _ = declarations.lodge(session, principal=principal, decl=DeclarationIn(**declaration(**changes)))
        declarations.transition(session, row=row, to_status="assessed", actor="test", reason="assessed (test)")
        return row.mrn


def make_assessed(factory, mrn: str) -> None:
    with transaction(factory) as session:
        row = session.scalars(select(Declaration).where(Declaration.mrn == mrn)).one()
        declarations.transition(session, row=row, to_status="assessed", actor="test", reason="assessed (test)")
