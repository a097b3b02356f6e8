"""Domain refusals. Faces turn them into RFC 9457 problem details (HTTP) or exit code 2 (CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    path: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


class ClearwayError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra

    def one_line(self) -> str:
        if self.errors:
            return "; ".join(f"{e.path}: {e.reason}" for e in self.errors)
        return self.detail


class Invalid(ClearwayError):
    status = 422
    title = "Invalid input"


class NotFound(ClearwayError):
    status = 404
    title = "Not found"


class Forbidden(ClearwayError):
    status = 403
    title = "Forbidden"


class Conflict(ClearwayError):
    status = 409
    title = "Conflict"
