"""Public verification of a release code (no key needed): was this declaration's cargo released?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from clearway.api.deps import Ctx
from clearway.flows import release
from clearway.release import core
from clearway.tariff.schemas import ReleaseCheckOut, plain

router = APIRouter(prefix="/api/v1/release", tags=["release"])


@router.get("/{code}", response_model=ReleaseCheckOut)
def check(code: str, ctx: Ctx) -> dict[str, Any]:
    with ctx.uow() as session:
        rel, row = release.check(session, code)
        return plain({"code": core.display(rel.code), "valid": True, "declaration": row.mrn,
                      "economy": row.economy, "office": row.office, "released_at": rel.released_at,
                      "status": row.status})
