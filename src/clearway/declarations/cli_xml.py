"""`clearway submit` with a WCO DEC message (XML) instead of JSON: lodged locally through the same flow as the
API's application/xml, or over HTTP to it."""

from __future__ import annotations

# Lazy imports: the commands import what they use inside functions, so that `clearway --help` (which loads
# every domain's cli.py) stays free of the HTTP client, lxml and xmlschema.

from typing import Any

from clearway.errors import ClearwayError


class NotReached(Exception):
    """The Clearway at --url could not be reached (or is not Clearway); nothing was lodged."""


def _refused(exc: ClearwayError) -> dict[str, Any]:
    reasons = [f"{e.path}: {e.reason}" for e in exc.errors] or [exc.detail]
    return {"line": 1, "lrn": None, "outcome": "refused", "reasons": reasons}


def _accepted(lrn: str, mrn: str, status: str, created: bool) -> dict[str, Any]:
    return {"line": 1, "lrn": lrn, "mrn": mrn, "status": status,
            "outcome": "accepted" if created else "already lodged"}


def locally(body: bytes, *, key: str | None) -> list[dict[str, Any]]:
    from clearway.cli_common import principal_from_key, sessions
    from clearway.db import transaction
    from clearway.flows import wco as wco_flow
    from clearway.wco import message
    from clearway.wco.profile import installed

    principal = principal_from_key(key)
    profile = installed()
    try:
        read = message.read(body, profile=profile)
        with transaction(sessions()) as session:
            row, created = wco_flow.lodge(session, principal=principal, read=read, profile=profile)
            return [_accepted(row.lrn, row.mrn, row.status, created)]
    except ClearwayError as exc:
        return [_refused(exc)]


def over_http(body: bytes, *, url: str, key: str) -> list[dict[str, Any]]:
    import httpx

    from clearway.errors import FieldError

    if not url.lower().startswith(("http://", "https://")):
        raise NotReached(f"--url: {url!r} must start with http:// or https://")
    try:
        r = httpx.post(url.rstrip("/") + "/api/v1/declarations", content=body, timeout=60,
                       headers={"Authorization": f"Bearer {key}", "Content-Type": "application/xml"})
    except httpx.TransportError as exc:
        raise NotReached(f"cannot reach {url}: {exc or type(exc).__name__} (nothing was lodged)") from None
    except httpx.InvalidURL as exc:
        raise NotReached(f"--url: {url!r} is not a URL ({exc})") from None
    try:
        answer = r.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise NotReached(f"{url} answered HTTP {r.status_code} without a Clearway declaration: is it Clearway?")
    if r.status_code in (200, 201) and {"lrn", "mrn", "status"} <= answer.keys():
        return [_accepted(answer["lrn"], answer["mrn"], answer["status"], r.status_code == 201)]
    errors = [FieldError(e["path"], e["reason"]) for e in answer.get("errors", [])
              if isinstance(e, dict) and {"path", "reason"} <= e.keys()]
    return [_refused(ClearwayError(str(answer.get("detail") or f"HTTP {r.status_code}"), errors=errors))]
