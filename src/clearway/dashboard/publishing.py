"""Publishing an installation's aggregate indicators to a regional installation (POST
/api/v1/dashboard/publications there, with an admin key the regional installation issued for this
economy). Only computed aggregates leave: no declaration-level data, no entered free text."""

from __future__ import annotations

from typing import Any

import httpx

from clearway.dashboard.core import Indicator
from clearway.errors import ClearwayError


class PublishError(ClearwayError):
    status = 502
    title = "Publishing failed"


def payload(found: list[Indicator], *, economy: str, period: str) -> dict[str, Any]:
    return {"economy": economy, "period": period, "indicators": [i.as_dict() for i in found if i.source == "computed"]}


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
