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
    kind = "bad-request"  # the problem type: /problems/<kind> (clearway.api.problems.TYPES documents each)

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
    kind = "invalid-input"


class NotFound(ClearwayError):
    status = 404
    title = "Not found"
    kind = "not-found"


class Forbidden(ClearwayError):
    status = 403
    title = "Forbidden"
    kind = "forbidden"


class Conflict(ClearwayError):
    status = 409
    title = "Conflict"
    kind = "conflict"


@dataclass(frozen=True)
class ProblemType:
    """One kind of refusal: its problem `type` is /problems/<kind>, documented on that page of the server."""

    kind: str
    status: int
    title: str
    when: str

    @property
    def uri(self) -> str:
        return type_uri(self.kind)


def type_uri(kind: str) -> str:
    """The problem `type` of a kind of refusal: a URI reference resolved against the server that answered
    (RFC 9457 3.1.1), where GET serves its documentation."""
    return f"/problems/{kind}"


# Every kind of refusal the server gives, in the order of their status. A ClearwayError subclass names its
# kind; the HTTP layer's own refusals (no key, body too large, rate limit) have theirs here too.
TYPES: tuple[ProblemType, ...] = (
    ProblemType("malformed-json", 400, "Malformed JSON", "The request body is not valid JSON (or not valid UTF-8)."),
    ProblemType("bad-request", 400, "Bad request",
                "The request cannot be carried out as sent, for a reason named in `detail`."),
    ProblemType("unauthorized", 401, "Unauthorized",
                "No `Authorization: Bearer <api key>` header, or the key is unknown or revoked. The answer has "
                "`WWW-Authenticate: Bearer`."),
    ProblemType("forbidden", 403, "Forbidden",
                "The key is valid but its role, party or economy may not do this (e.g. another party's "
                "declaration, another economy's register)."),
    ProblemType("not-found", 404, "Not found",
                "No such resource, or one the key may not know exists (another party's declaration answers 404)."),
    ProblemType("bad-idempotency-key", 400, "Bad request",
                "The `Idempotency-Key` header is empty, longer than 255 characters or not printable ASCII."),
    ProblemType("method-not-allowed", 405, "Method not allowed", "The path exists but not with this HTTP method."),
    ProblemType("conflict", 409, "Conflict",
                "The request contradicts the stored state: an LRN reused with other content, a declaration in a "
                "status that does not allow the step (the detail lists what is allowed), a duplicate number."),
    ProblemType("idempotency-key-busy", 409, "Conflict",
                "A request with this `Idempotency-Key` is still being carried out (retry in a moment), or it was "
                "carried out but its answer was lost in a crash (read the resource instead); docs/idempotency.md."),
    ProblemType("content-too-large", 413, "Content too large",
                "The body is over the size limit (CLEARWAY_MAX_BODY_BYTES; bulk and batch routes have their own)."),
    ProblemType("unsupported-media-type", 415, "Unsupported media type",
                "The body's Content-Type is not one the operation accepts."),
    ProblemType("invalid-input", 422, "Invalid input",
                "A field of the path, query or body is missing or invalid: `errors` lists each field's `path` and "
                "`reason`; nothing was stored."),
    ProblemType("out-of-range", 422, "Invalid input",
                "A number in the request is beyond what Clearway stores; nothing was stored."),
    ProblemType("idempotency-key-reused", 422, "Invalid input",
                "This `Idempotency-Key` was first sent with another request (another target or body): a new "
                "request needs a new key."),
    ProblemType("too-many-requests", 429, "Too many requests",
                "The key's rate limit (CLEARWAY_RATE_LIMIT), or repeated bad keys from one address: wait the "
                "`Retry-After` seconds."),
    ProblemType("internal-error", 500, "Internal error",
                "An unexpected error on the server; nothing was stored. Its request id is in the logs."),
    ProblemType("publishing-failed", 502, "Publishing failed",
                "The regional hub did not accept a publication of the dashboard's figures."),
    ProblemType("database-unavailable", 503, "Service unavailable",
                "The database is unreachable or restarting: nothing half-stored; send the same request again after "
                "`Retry-After` seconds (lodging, payments and manifests are stored once however often sent)."),
)
BY_KIND: dict[str, ProblemType] = {t.kind: t for t in TYPES}
# The kind of an HTTP status when nothing more specific is known.
BY_STATUS: dict[int, ProblemType] = {}
for _t in TYPES:
    BY_STATUS.setdefault(_t.status, _t)
