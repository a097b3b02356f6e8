"""Secrets (issue 18): NPPO private keys encrypted at rest under a key from outside the database (and the
migration that encrypts keys stored before), the database file, the secret key file and the demo key file
readable by their owner only, and no key, token or password in any log line of a server that is used with
an API key and signed in to."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import text

from clearway import keyring
from clearway.auth.service import create_key
from clearway.certificates import nppo, signing
from clearway.db import make_engine, make_sessionmaker, migrate, transaction
from tests.support import example, free_port
from tests.web.support import PASSWORD, csrf_of, make_user


def _stored(db) -> str:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT key_pem FROM certificate_nppo_keys")).scalar_one()


def test_nppo_private_keys_are_stored_encrypted_and_sign_all_the_same(db, monkeypatch):
    monkeypatch.setenv("CLEARWAY_SECRET_KEY", keyring.new_key())
    with transaction(db.factory) as session:
        nppo.create_key(session, economy="AU", party_id="NPPO-AU", actor="test")
    stored = _stored(db)
    assert stored.startswith("fernet:") and "PRIVATE KEY" not in stored
    with db.factory() as session:
        pair = nppo.signing_key(session, economy="AU")
    assert pair.key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert signing.fingerprint(pair.cert_pem)  # the pair loads as the certificate it belongs to
    monkeypatch.setenv("CLEARWAY_SECRET_KEY", keyring.new_key())  # another installation's key opens nothing
    with db.factory() as session, pytest.raises(keyring.SecretKeyMismatch, match="CLEARWAY_SECRET_KEY"):
        nppo.signing_key(session, economy="AU")


def test_without_the_variable_the_key_is_a_file_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("CLEARWAY_SECRET_KEY", raising=False)
    monkeypatch.setenv("CLEARWAY_DATA_DIR", str(tmp_path))
    sealed = keyring.seal("a secret")
    key_file = tmp_path / "secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert keyring.unseal(sealed) == "a secret" and "a secret" not in sealed
    assert keyring.unseal(keyring.PREFIX + keyring._fernet(key_file.read_text().strip()).encrypt(b"x").decode()) == "x"


def test_the_migration_encrypts_keys_stored_in_the_clear(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEARWAY_SECRET_KEY", keyring.new_key())
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0301_certificates")
    pair = signing.new_key_pair(economy="NZ", party="NPPO-NZ", organisation=None, days=30)
    cert = pair.certificate
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO certificate_nppo_keys (economy, party_id, key_pem, cert_pem, fingerprint, "
                          "not_before, not_after, created_at, active) VALUES ('NZ', 'NPPO-NZ', :k, :c, :f, :b, :a, "
                          ":b, 1)"), {"k": pair.key_pem.decode(), "c": pair.cert_pem.decode(),
                                      "f": signing.fingerprint(pair.cert_pem),
                                      "b": cert.not_valid_before_utc.replace(tzinfo=None),
                                      "a": cert.not_valid_after_utc.replace(tzinfo=None)})
    migrate(engine)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT key_pem FROM certificate_nppo_keys")).scalar_one()
    assert stored.startswith("fernet:") and keyring.unseal(stored) == pair.key_pem.decode()
    with make_sessionmaker(engine)() as session:
        assert nppo.signing_key(session, economy="NZ").key_pem == pair.key_pem
    engine.dispose()


def test_the_demo_key_file_is_readable_by_its_owner_only(db, tmp_path):
    from clearway.demo import _keys

    keys_file = tmp_path / "demo-keys.json"
    keys_file.write_text("{}")
    keys_file.chmod(0o644)  # made by an older release: tightened when rewritten
    made, _ = _keys(db.factory, keys_file)
    assert keys_file.stat().st_mode & 0o777 == 0o600
    assert json.loads(keys_file.read_text())["keys"] == made


def test_no_key_token_or_password_in_any_log_line(tmp_path):
    """A real `clearway serve` (JSON logs, debug level, access log on): a trader lodges with an API key, a
    wrong key is refused, a user signs in with a password and reads a page with the session cookie."""
    data = tmp_path / "data"
    url_db = f"sqlite:///{data / 'clearway.db'}"
    engine = make_engine(url_db)
    migrate(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        key, _ = create_key(session, role="declarant", economy="AU", party_id="AU-ABN-11222333444", actor="test")
    make_user(SimpleNamespace(factory=factory), "trader1", "declarant", party="AU-ABN-11222333444")
    engine.dispose()
    secret = keyring.new_key()
    port = free_port()
    log = (tmp_path / "stderr.txt").open("w")
    env = {"PATH": "/usr/bin:/bin", "CLEARWAY_DATA_DIR": str(data), "CLEARWAY_SECRET_KEY": secret}
    proc = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(port), "--log-level", "debug"],
                            stdout=subprocess.DEVNULL, stderr=log, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr.txt").read_text()
                time.sleep(0.2)
        doc = copy.deepcopy(example("tariff-au-tshirts.json"))
        doc["declarant"] = {**doc["declarant"], "id": "AU-ABN-11222333444"}
        r = httpx.post(f"{base}/api/v1/declarations", json=doc, headers={"Authorization": f"Bearer {key}"}, timeout=60)
        assert r.status_code == 201, r.text
        wrong = key[:-4] + "abcd"
        assert httpx.get(f"{base}/api/v1/declarations", headers={"Authorization": f"Bearer {wrong}"},
                         timeout=30).status_code == 401
        with httpx.Client(base_url=base, timeout=30) as browser:
            form = browser.get("/login")
            r = browser.post("/login", data={"username": "trader1", "password": PASSWORD, "csrf": csrf_of(form.text)})
            assert r.status_code == 303, r.text
            cookies = [c.value for c in browser.cookies.jar]
            assert browser.get("/trader/").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    logged = (tmp_path / "stderr.txt").read_text()
    assert '"path": "/api/v1/declarations"' in logged and '"path": "/login"' in logged  # the run was logged
    for name, value in [("API key", key), ("wrong API key", wrong), ("password", PASSWORD),
                        ("CLEARWAY_SECRET_KEY", secret), *[("cookie", c) for c in cookies]]:
        assert value not in logged, f"a {name} is in the log"
    assert "PRIVATE KEY" not in logged
