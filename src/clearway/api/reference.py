"""Reference data: HS 2022, economies, offices. Readable by any key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from clearway.api.deps import Ctx, Who
from clearway.errors import NotFound
from clearway.reference import economies, search_index
from clearway.reference.hs import nomenclature, trade_names

router = APIRouter(prefix="/api/v1/reference", tags=["reference"])


class HsOut(BaseModel):
    code: str
    description: str
    level: int
    score: float | None = None


class HsFound(HsOut):
    names: list[str] = Field(default_factory=list, description=(
        "The subheading's trade names that share the rarest words with the search (at most 3): why it was found"))


class HsDetail(HsOut):
    heading: HsOut | None
    chapter: HsOut
    section: dict[str, str]
    trade_names: list[str] = Field(default_factory=list, description=(
        "What traders, shop listings and rulings call the goods of a subheading (a search aid, not a ruling)"))


def _out(e, score=None) -> HsOut:
    return HsOut(code=e.code, description=e.description, level=e.level, score=score)


@router.get("/hs", response_model=list[HsFound], summary="Find HS 2022 subheadings by words")
def hs_search(_: Who, ctx: Ctx, q: Annotated[str, Query(min_length=1, max_length=200)],
              limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[HsFound]:
    with ctx.uow() as session:
        found = search_index.search(session, q, limit)
    names = nomenclature().names_matching(q, [e.code for e, _ in found])
    return [HsFound(**_out(e, s).model_dump(), names=names[e.code]) for e, s in found]


@router.get("/hs/{code}", response_model=HsDetail, summary="One HS 2022 code with its chapter and section")
def hs_get(_: Who, code: str) -> HsDetail:
    n = nomenclature()
    e = n.get(code)
    if e is None:
        near = ", ".join(n.suggest(code, 3))
        raise NotFound(f"{code} is not an HS 2022 chapter, heading or subheading; nearest: {near}")
    heading = n.heading(code) if e.level == 6 else None
    section = n.section(code)
    return HsDetail(**_out(e).model_dump(), heading=_out(heading) if heading else None,
                    chapter=_out(n.chapter(code)),
                    section={"numeral": section.numeral, "name": section.name} if section else {},
                    trade_names=list(trade_names().get(e.code, ())))


@router.get("/economies", summary="The 21 APEC economies", response_model=list[economies.Economy])
def economy_list(_: Who) -> list[dict]:
    return [e.__dict__ for e in economies.all_economies().values()]


@router.get("/offices", summary="Customs offices (UN/LOCODE)", response_model=list[economies.Office])
def office_list(_: Who, economy: Annotated[str | None, Query(min_length=2, max_length=2)] = None) -> list[dict]:
    return [o.__dict__ for o in economies.all_offices().values() if economy is None or o.economy == economy.upper()]
