"""Lodging in batches: JSON Lines in, one result per line out (JSON Lines, streamed in line order)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from clearway.api.idempotent import IDEMPOTENT, IdempotentRoute
from clearway.api.deps import Ctx, Who
from clearway.auth.core import is_declarant
from clearway.errors import FieldError, Forbidden, Invalid
from clearway.flows import lodging

router = APIRouter(prefix="/api/v1/declarations", tags=["declarations"], route_class=IdempotentRoute)

MAX_LINES = 10_000


def lines_of(body: bytes) -> Iterator[tuple[int, Any]]:
    """(line number, document or the reason it is not one) for each non-blank line, each line read as it is
    taken: the lines are counted first (a batch too long or empty is refused at once), and a chunk's lines are
    read while it is lodged (flows.lodging.lodge_chunks), so that they are gone before the garbage collector
    would move them to its oldest generation (2,000 lines read at once cost a walk of the whole heap, about 50 us
    a line, issue 16)."""
    raws = [(number, raw) for number, raw in enumerate(body.splitlines(), start=1) if raw.strip()]
    if len(raws) > MAX_LINES:
        raise Invalid(f"a batch holds at most {MAX_LINES} declarations; this one has {len(raws)}",
                      errors=[FieldError("body", f"more than {MAX_LINES} lines")])
    if not raws:
        raise Invalid("the batch is empty", errors=[FieldError("body", "no declaration (one JSON object a line)")])
    return (_line(number, raw) for number, raw in raws)


def _line(number: int, raw: bytes) -> tuple[int, Any]:
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return number, f"not JSON: {exc}"
    return number, doc if isinstance(doc, dict) else "not a JSON object (one declaration per line)"


@router.post("/batch", dependencies=[IDEMPOTENT], response_class=StreamingResponse, responses={200: {
    "description": "one JSON object per line of the request, in order: `outcome` accepted, already lodged or "
                   "refused (with `status` as a single lodgement would answer, and `errors`)",
    "content": {"application/x-ndjson": {}}}})
async def batch(request: Request, who: Who, ctx: Ctx) -> StreamingResponse:
    """Lodge up to 10,000 declarations, one JSON object a line (JSON Lines). Each line is lodged or refused on
    its own, idempotent per LRN exactly as a single lodgement; nothing of a refused line is stored."""
    if not is_declarant(who):  # every line would be refused for the same reason: say it once
        raise Forbidden("only a declarant key lodges declarations")
    docs = lines_of(await request.body())

    def results() -> Iterator[bytes]:  # a chunk's lines at once: each item of a sync stream is a thread hop
        for part in lodging.lodge_chunks(ctx.factory, principal=who, lines=docs):
            yield b"".join(orjson.dumps(result) + b"\n" for result in part)

    return StreamingResponse(results(), media_type="application/x-ndjson")
