"""The signed form of a seal report (containers/signing.py) against the test vector that
docs/seal-device-protocol.md gives device makers. The signature was checked independently with OpenSSL
(`openssl dgst -sha256 -mac HMAC -macopt hexkey:...`, the command the page shows), so the page, the code
and a third implementation of HMAC-SHA256 (RFC 2104) agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from clearway.containers import signing
from clearway.containers.schemas import EventIn

DOC = (Path(__file__).resolve().parents[2] / "docs" / "seal-device-protocol.md").read_text("utf-8")
VECTOR = DOC[DOC.index("## Test vector"):]


def _vector():
    key = re.search(r"Key \(hex\): `([0-9a-f]{64})`", VECTOR).group(1)
    report = json.loads(re.search(r"```json\n(.*?)```", VECTOR, re.S).group(1))
    lines = re.search(r"```text\n(.*?)```", VECTOR, re.S).group(1).rstrip("\n")
    sig = re.search(r"Signature \(`sig`\): `([0-9a-f]{64})`", VECTOR).group(1)
    return bytes.fromhex(key), report, lines.encode("ascii"), sig


def test_the_documented_test_vector_holds():
    key, report, canonical, sig = _vector()
    assert signing.canonical_of(report) == canonical
    assert signing.sign_event(report, key)["sig"] == sig == "7e26e555ceefa01bf73dae9d59b614fb3181913a6c2f83a323a7061881fbad91"
    parsed = EventIn.model_validate({**report, "sig": sig})  # as the server reads it
    assert signing.canonical_of(parsed) == canonical
    assert signing.verify_event(parsed, sig, key)
    assert signing.verify_event(parsed, sig.upper(), key)  # hexadecimal digits in either case


@pytest.mark.parametrize("change", [
    {"seal_id": "ACME-0002"}, {"seq": 43}, {"device_time": "2026-11-28T10:15:30.251Z"}, {"lat": -33.868821},
    {"lon": 151.209297}, {"status": "opened"}, {"battery": 87.4}, {"container": "CSQU3054383"}, {"container": None},
])
def test_every_signed_field_changes_the_signature(change):
    key, report, _, sig = _vector()
    assert not signing.verify_event(EventIn.model_validate({**report, **change}), sig, key)


def test_what_is_not_signed_and_what_is_not_a_signature():
    key, report, _, sig = _vector()
    # the gateway's receipt time is not the device's word; an equivalent spelling of the same time is the same
    assert signing.verify_event(EventIn.model_validate({**report, "received_at": "2026-11-28T10:16:00Z"}), sig, key)
    assert signing.verify_event(EventIn.model_validate({**report, "device_time": "2026-11-28T20:15:30.250+10:00"}),
                                sig, key)
    event = EventIn.model_validate(report)
    for bad in (None, "", sig[:-1], sig + "0", "zz" * 32):
        assert not signing.verify_event(event, bad, key)
    assert not signing.verify_event(event, sig, bytes(32))
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        signing.parse_key("00" * 31)
