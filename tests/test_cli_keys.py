"""`clearway keys list` and `keys revoke` (issue 9: there was no way to list or revoke keys), run as
real processes against each backend; a revoked key is refused over real HTTP."""

from __future__ import annotations

import json

from tests.cli_support import run


def _create(db, *args: str) -> str:
    done = run(db, "keys", "create", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_keys_list_shows_each_key_without_its_secret(db):
    declarant = _create(db, "--role", "declarant", "--economy", "au", "--party", "AU-ABN-11222333444",
                        "--label", "broker desk")
    officer = _create(db, "--role", "officer", "--economy", "NZ")
    listed = run(db, "keys", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["role"], r["economy"], r["party"], r["label"], r["revoked"]) for r in rows] == [
        ("declarant", "AU", "AU-ABN-11222333444", "broker desk", None), ("officer", "NZ", None, None, None)]
    assert all(r["created"].endswith("+00:00") for r in rows)
    table = run(db, "keys", "list")
    assert table.returncode == 0
    for secret in (declarant, officer):
        assert secret not in listed.stdout and secret not in table.stdout
        assert secret[3:12] not in table.stdout  # not even a piece of it
    lines = [line for line in table.stdout.splitlines() if "AU-ABN-11222333444" in line]
    assert len(lines) == 1 and "declarant" in lines[0] and "broker desk" in lines[0]


def test_revoked_key_gets_401_over_http_and_is_listed_as_revoked(db, server):
    import httpx

    key = _create(db, "--role", "officer", "--economy", "AU")
    key_id = json.loads(run(db, "keys", "list", "--json").stdout)[0]["id"]
    done = run(db, "keys", "revoke", str(key_id))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"key {key_id} (officer AU) revoked"
    r = httpx.get(f"{server.url}/api/v1/declarations", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert r.status_code == 401 and r.json()["detail"] == "unknown or revoked API key"
    rows = json.loads(run(db, "keys", "list", "--json").stdout)
    assert rows[0]["revoked"] is not None
    assert json.loads(run(db, "keys", "list", "--json", "--active").stdout) == []
    again = run(db, "keys", "revoke", str(key_id))
    assert again.returncode == 2 and again.stderr.startswith(f"error: id: key {key_id} was already revoked on ")
    assert len(again.stderr.splitlines()) == 1
    missing = run(db, "keys", "revoke", "999999")
    assert (missing.returncode, missing.stderr) == (2, "error: id: no API key has id 999999\n")
    with db.factory() as session:
        from sqlalchemy import select

        from clearway.audit.models import AuditEvent

        actions = list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_type == "api_key", AuditEvent.entity_id == str(key_id))))
    assert actions == ["key.created", "key.revoked"]
