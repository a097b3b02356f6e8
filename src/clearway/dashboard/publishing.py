"""Publishing an installation's aggregate indicators to a regional installation (POST
/api/v1/dashboard/publications there, with an admin key the regional installation issued for this
economy). Only computed aggregates leave: no declaration-level data, no entered free text, no head
count or personal field (workforce shares and TFA rates only)."""

from __future__ import annotations

from typing import Any

import httpx

from clearway.errors import ClearwayError


class PublishError(ClearwayError):
    status = 502
    title = "Publishing failed"
    kind = "publishing-failed"


def payload(figures: dict[str, Any], *, economy: str, period: str) -> dict[str, Any]:
    """The body sent: the figures of clearway.flows.regional_publication.figures, with economy and period."""
    return {"economy": economy, "period": period, **figures}


def send(url: str, token: str, body: dict[str, Any], *, timeout: float = 30) -> dict[str, Any]:
    """POST the figures; the regional installation answers whether it stored, replaced or already had them."""
    target = url.rstrip("/") + "/api/v1/dashboard/publications"
    try:
        r = httpx.post(target, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise PublishError(f"{target}: {type(exc).__name__}: {exc}") from None
    if r.status_code != 200:
        detail = r.json().get("detail", r.text) if r.headers.get("content-type", "").endswith("json") else r.text
        raise PublishError(f"{target} answered {r.status_code}: {detail}")
    return r.json()
