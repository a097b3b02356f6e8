"""`clearway seals affix` registers the device key as the API does; `clearway seals sign` signs as a device."""

from __future__ import annotations

import json

from sqlalchemy import select

from clearway.containers.models import Seal
from tests.cli_support import run

KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
ARGS = ["seals", "affix", "--manufacturer", "ACME", "--serial", "0001", "--container", "MSCU1234566",
        "--loading-office", "AUMEL", "--destination-office", "AUSYD", "--departure", "2026-11-28T00:00:00Z",
        "--arrival-from", "2026-11-28T12:00:00Z", "--arrival-to", "2026-11-28T20:00:00Z"]


def test_affixing_from_the_command_line_registers_the_device_key_and_refuses_a_bad_one(db):
    officer = run(db, "keys", "create", "--role", "officer", "--economy", "AU").stdout.strip()
    bad = run(db, *ARGS, "--device-key", "abc", "--key", officer)
    assert bad.returncode == 2
    assert bad.stderr.strip().endswith("device_key: must be 64 hexadecimal digits (the device's 32-byte secret)")
    done = run(db, *ARGS, "--device-key", KEY.upper(), "--key", officer)
    assert done.returncode == 0, done.stderr
    assert "ACME-0001 affixed to MSCU1234566 (AUMEL to AUSYD), device key registered" in done.stdout
    with db.factory() as s:
        assert s.scalars(select(Seal.device_key)).one() == KEY
    again = run(db, *ARGS, "--device-key", KEY, "--key", officer)
    assert again.returncode == 2 and "already affixed" in again.stderr


def test_signing_from_the_command_line_gives_the_documented_signature(tmp_path):
    event = {"seal_id": "ACME-0001", "seq": 42, "device_time": "2026-11-28T10:15:30.250Z", "lat": -33.86882,
             "lon": 151.209296, "status": "sealed", "battery": 87.5, "container": "MSCU1234566"}
    (tmp_path / "e.json").write_text(json.dumps([event]))
    done = run(None, "seals", "sign", str(tmp_path / "e.json"), "--device-key", KEY)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{**event, "sig": "7e26e555ceefa01bf73dae9d59b614fb3181913a6c2f83a323a7061881fbad91"}]
