"""The demo's illustrative TFA stock-take and gender-in-customs data (clearly labelled, not real
notifications): one call for demo.py, one transaction per domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from clearway.db import transaction
from clearway.tfa import demo as tfa_demo
from clearway.workforce import demo as workforce_demo


def load(factory: sessionmaker[Session]) -> dict[str, Any]:
    with transaction(factory) as session:
        tfa = tfa_demo.load(session)
    with transaction(factory) as session:
        workforce = workforce_demo.load(session)
    return {"illustrative_tfa": tfa, "illustrative_workforce": workforce}
