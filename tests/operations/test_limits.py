"""Limits on callers (issue 18): the per-key rate limit (429 with Retry-After), unknown keys slowed per
client address, the item counts of a declaration and of a seal-event batch (422 naming the field), and
uploaded file names never used as paths. Body sizes (413) are tested in tests/declarations/test_api.py
(test_malformed_json_and_oversized_bodies). Each app here has its own limits; the rest of the suite runs
without them (tests/conftest.py)."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import httpx
import pytest

import clearway
from clearway.app import create_app
from clearway.config import Settings, SettingsError
from clearway.db import transaction
from tests.support import example, serve_app


def _key(db, role: str = "officer", economy: str = "AU", party: str | None = None) -> str:
    from clearway.auth.service import create_key

    with transaction(db.factory) as session:
        return create_key(session, role=role, economy=economy, party_id=party, actor="test")[0]


@pytest.fixture
def limited(db, tmp_path):
    """An app whose limits are small: 3 requests per key, 3 unknown keys per address, in an hour."""
    url, server, thread = serve_app(create_app(Settings(data_dir=tmp_path, database_url=db.url,
                                                        rate_limit=(3, 3600), bad_key_limit=(3, 3600))))
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def _get(url: str, key: str) -> httpx.Response:
    return httpx.get(f"{url}/api/v1/declarations", headers={"Authorization": f"Bearer {key}"}, timeout=60)


def test_a_key_over_its_limit_gets_429_with_retry_after_and_others_carry_on(db, limited):
    busy, other = _key(db), _key(db)
    assert [_get(limited, busy).status_code for _ in range(3)] == [200, 200, 200]
    r = _get(limited, busy)
    assert r.status_code == 429 and r.headers["content-type"] == "application/problem+json"
    assert 3500 <= int(r.headers["retry-after"]) <= 3600  # the oldest of the 3 leaves the hour's window
    assert "made 3 requests in 3600 s" in r.json()["detail"] and r.json()["status"] == 429
    assert r.headers["x-request-id"]  # counted and traced like any answer
    assert _get(limited, other).status_code == 200


def test_a_batch_counts_as_one_request(db, limited):
    officer = _key(db)
    batch = [{"seal_id": "NOSUCH", "seq": n, "device_time": "2026-11-28T01:00:00Z", "lat": -33.9, "lon": 151.2,
              "status": "sealed", "battery": 90} for n in range(1, 51)]
    headers = {"Authorization": f"Bearer {officer}"}
    for _ in range(3):
        r = httpx.post(f"{limited}/api/v1/seal-events", json=batch, headers=headers, timeout=60)
        assert r.status_code == 200 and r.json()["received"] == 50, r.text
    assert httpx.post(f"{limited}/api/v1/seal-events", json=batch, headers=headers, timeout=60).status_code == 429


def test_unknown_keys_from_one_address_are_slowed_but_a_working_key_is_not(db, limited):
    good = _key(db)
    assert _get(limited, good).status_code == 200  # seen working before the guessing starts
    assert [_get(limited, f"cw_guess{n}").status_code for n in range(3)] == [401, 401, 401]
    r = _get(limited, "cw_guess3")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 3500
    assert "unknown or revoked API keys from this address" in r.json()["detail"]
    assert _get(limited, good).status_code == 200
    # a key that works on a public route but not on a protected one is no way round the slowing
    assert httpx.get(f"{limited}/healthz", headers={"Authorization": "Bearer cw_guess4"}).status_code == 429


def test_without_a_key_no_limit_applies(db, limited):
    assert {httpx.get(f"{limited}/healthz", timeout=30).status_code for _ in range(6)} == {200}


def test_the_limit_settings(monkeypatch):
    monkeypatch.delenv("CLEARWAY_RATE_LIMIT", raising=False)
    monkeypatch.delenv("CLEARWAY_BAD_KEY_LIMIT", raising=False)
    assert (Settings().rate_limit, Settings().bad_key_limit) == ((300, 10), (20, 60))
    monkeypatch.setenv("CLEARWAY_RATE_LIMIT", "0")
    assert Settings().rate_limit is None
    monkeypatch.setenv("CLEARWAY_RATE_LIMIT", "1000/60")
    assert Settings().rate_limit == (1000, 60)
    for bad in ("300", "x/10", "300/0", "-1/10", "5/1.5"):
        monkeypatch.setenv("CLEARWAY_RATE_LIMIT", bad)
        with pytest.raises(SettingsError, match="CLEARWAY_RATE_LIMIT"):
            Settings()


def test_item_counts_are_refused_naming_the_field(db, limited):
    declarant = _key(db, "declarant", "AU", "AU-ABN-11222333444")
    doc = copy.deepcopy(example("tariff-au-tshirts.json"))
    doc["items"] = doc["items"] * 1000
    r = httpx.post(f"{limited}/api/v1/declarations", json=doc, headers={"Authorization": f"Bearer {declarant}"},
                   timeout=60)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert [e["path"] for e in r.json()["errors"]] == ["items"], r.text


# Modules that read an uploaded file's name, and what for. None may build a path from it: the uploads are
# read in memory (UploadFile.read) and the name only picks the format and is shown back, escaped by Jinja.
FILENAME_READERS = {
    "web/trader/upload.py": "picks CSV or JSON by the extension; shown on the results page",
    "web/trader/parcels.py": "picks CSV or JSON Lines by the extension; shown on the results page",
}
PATH_CALLS = {"open", "Path", "join", "joinpath", "write_text", "write_bytes", "mkdir", "rename", "replace"}


def test_uploaded_file_names_are_never_used_as_paths():
    root = Path(clearway.__file__).parent
    readers = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text())
        names = {n.targets[0].id for n in ast.walk(tree) if isinstance(n, ast.Assign) and isinstance(n.value, ast.BoolOp)
                 and any(isinstance(v, ast.Attribute) and v.attr == "filename" for v in n.value.values)
                 and isinstance(n.targets[0], ast.Name)}
        direct = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "filename"]
        if not direct:
            continue
        readers[str(path.relative_to(root))] = names
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            func = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            used = {a.id for a in ast.walk(call) if isinstance(a, ast.Name)} | {
                a.attr for a in ast.walk(call) if isinstance(a, ast.Attribute)}
            assert not (func in PATH_CALLS and (used & (names | {"filename"}))), \
                f"{path}:{call.lineno} builds a path from an uploaded file's name"
    assert set(readers) == set(FILENAME_READERS), "a module reads uploaded file names: review it, then list it"
