"""Refuse control and bidirectional-override characters in every text the API takes, once, before
any handler runs: JSON bodies (each field by its path, tab and line breaks only in free-text fields
such as `description` or `reason`), other text bodies (CSV, JSON Lines, XML) by line, the query
string and the path. The rule itself is clearway.validation.text_problem."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from clearway.api.problems import problem
from clearway.errors import FieldError
from clearway.validation import text_errors, text_problem

# _SUSPECT: the refused characters raw, UTF-8 encoded or as JSON escapes. A body holding none of the
# bytes they start with (_LEADS; most bodies, bulk manifests included) is passed on
# after one bytes.translate, about 2 ms for 3 MB where one regex scan takes 100 ms and more; only the
# rest are scanned, and parsed only when the scan finds something.
_LEADS = bytes([*range(0, 9), 11, 12, *range(14, 32), 0x7F]) + b"\\\xc2\xe2"
_OTHERS = bytes(b for b in range(256) if b not in _LEADS)
_SUSPECT = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
                      rb"|\\u00[0-9a-fA-F]{2}|\\u20[26][0-9a-fA-F]|\\[nrt]")


def _json(text: str) -> object:
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return None
    return None


_TEXT_TYPES = ("json", "xml", "csv", "text/", "jsonl")
_FORM = "application/x-www-form-urlencoded"


def body_errors(body: bytes, content_type: str) -> list[FieldError]:
    """JSON by field path; JSON Lines by line and field path; a form by field; any other text (CSV,
    XML) by line, where tabs and line breaks are the format's own and only the other characters are
    refused. Binary uploads (files of other types) are not text and pass."""
    if content_type and _FORM not in content_type and not any(t in content_type for t in _TEXT_TYPES):
        return []
    if not body.translate(None, _OTHERS) or not _SUSPECT.search(body):
        return []
    text = body.decode("utf-8", errors="replace")
    if _FORM in content_type:
        return text_errors(dict(parse_qsl(text, keep_blank_values=True)))
    data = _json(text)
    if data is not None:
        return text_errors(data)
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        data = _json(line)
        if data is not None:
            out += text_errors(data, f"line {number}")
        elif reason := text_problem(line, multiline=True):
            out.append(FieldError(f"line {number}", reason))
    return out


def request_errors(scope: dict[str, Any]) -> list[FieldError]:
    out = []
    reason = text_problem(scope.get("path", ""))
    if reason:
        out.append(FieldError("path", reason))
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        reason = text_problem(name) or text_problem(value)
        if reason:
            out.append(FieldError(name if not text_problem(name) else "query", reason))
    return out


# Batches refuse a bad line alone, not the whole body: their handler checks each line (validation.parse).
CHECKED_BY_LINE = frozenset({"/api/v1/declarations/batch"})


class TextGuard:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        errors = request_errors(scope)
        if errors:
            return await self._refuse(scope, receive, send, errors)
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        if scope.get("path") in CHECKED_BY_LINE:
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left (or the body limit answered 413 already)
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = dict(scope.get("headers", []))
        errors = body_errors(body, headers.get(b"content-type", b"").decode("latin-1").lower())
        if errors:
            return await self._refuse(scope, receive, send, errors)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: dict, receive: Any, send: Any, errors: list[FieldError]) -> None:
        response = problem(422, "Invalid input", "the request has text with characters Clearway does not accept: "
                           "see errors", errors=errors, instance=scope.get("path"))
        await response(scope, receive, send)
