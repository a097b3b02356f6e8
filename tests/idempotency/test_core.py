"""The Idempotency-Key rules as tables: what a key may be, and what a stored key tells a retry."""

from datetime import UTC, datetime, timedelta

import pytest

from clearway.idempotency import core
from clearway.idempotency.core import Stored

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw,key", [
    ("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
    ('"8e03978e-40d5"', "8e03978e-40d5"),          # a Structured Field string, as the draft writes it
    ('"a \\"quoted\\" key"', 'a "quoted" key'),
    ("  pay-1  ", "pay-1"),
    ("k" * 255, "k" * 255),
])
def test_keys_are_taken_bare_or_as_structured_strings(raw, key):
    assert core.parse_key(raw) == (key, None)


@pytest.mark.parametrize("raw,words", [
    ("", "is empty"),
    ('""', "is empty"),
    ("k" * 256, "256 characters long; at most 255"),
    ("cl\u00e9", "outside printable ASCII"),
    ("tab\there", "outside printable ASCII"),
    ('"bad\\n"', "backslash"),
    ('"a"b"', "unescaped quote"),
])
def test_bad_keys_are_refused_with_the_reason(raw, words):
    key, reason = core.parse_key(raw)
    assert key is None and words in reason


def _fp(body: bytes, path: str = "/api/v1/declarations") -> str:
    return core.fingerprint(method="POST", path=path, query="", content_type="application/json", body=body)


def test_the_fingerprint_tells_bodies_targets_and_media_types_apart():
    assert _fp(b'{"a":1}') == _fp(b'{"a":1}')
    assert _fp(b'{"a":1}') != _fp(b'{"a":2}')
    assert _fp(b"{}", "/api/v1/declarations/A/payments") != _fp(b"{}", "/api/v1/declarations/B/payments")
    assert _fp(b"x") != core.fingerprint(method="POST", path="/api/v1/declarations", query="",
                                         content_type="application/xml", body=b"x")
    # a charset parameter does not make another request
    assert _fp(b"x") == core.fingerprint(method="POST", path="/api/v1/declarations", query="",
                                         content_type="application/json; charset=utf-8", body=b"x")


def _stored(state: str, *, fp: str = "F", lease_left: int = 10, expires_in: int = 3600) -> Stored:
    return Stored(fingerprint=fp, state=state, locked_until=T0 + timedelta(seconds=lease_left),
                  expires_at=T0 + timedelta(seconds=expires_in))


@pytest.mark.parametrize("stored,fp,decision", [
    (None, "F", core.CLAIM),
    (_stored("done"), "F", core.REPLAY),
    (_stored("done"), "G", core.MISMATCH),
    (_stored("in_flight"), "G", core.MISMATCH),
    (_stored("in_flight"), "F", core.IN_FLIGHT),
    (_stored("committed"), "F", core.IN_FLIGHT),          # the answer is being kept right now
    (_stored("in_flight", lease_left=0), "F", core.CLAIM),  # abandoned before anything committed: taken over
    (_stored("committed", lease_left=-5), "F", core.LOST),  # done, but the answer never kept: never run twice
    (_stored("done", expires_in=0), "G", core.CLAIM),       # expired: the key is free again
])
def test_what_a_stored_key_tells_a_retry(stored, fp, decision):
    assert core.decide(stored, fingerprint=fp, now=T0) == decision
