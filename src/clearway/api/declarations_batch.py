"""Lodging in batches: JSON Lines in, one result per line out (JSON Lines, streamed in line order)."""

from __future__ import annotations

from collections.abc import Iterator

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


def lines_of(body: bytes) -> list[tuple[int, bytes]]:
    """(line number, its text) for each non-blank line: counted first (a batch too long or empty is refused at
    once); each is read as JSON where it is made ready for lodging (flows/preparing.py), a chunk at a time, so
    that the documents are gone before the garbage collector would move them to its oldest generation (2,000 lines
    read at once cost a walk of the whole heap, about 50 us a line, issue 16)."""
    raws = [(number, raw) for number, raw in enumerate(body.splitlines(), start=1) if raw.strip()]
    if len(raws) > MAX_LINES:
        raise Invalid(f"a batch holds at most {MAX_LINES} declarations; this one has {len(raws)}",
                      errors=[FieldError("body", f"more than {MAX_LINES} lines")])
    if not raws:
        raise Invalid("the batch is empty", errors=[FieldError("body", "no declaration (one JSON object a line)")])
    return raws


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
        for part in lodging.lodge_chunks(ctx.factory, principal=who, lines=docs, helpers=ctx.helpers):
            yield b"".join(orjson.dumps(result) + b"\n" for result in part)

    return StreamingResponse(results(), media_type="application/x-ndjson")
