"""The command line as a user runs it: a real process against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clearway.declarations.models import Declaration
from tests.cli_support import run
from tests.support import EXAMPLES, example


def count(db):
    with db.factory() as s:
        return s.scalar(select(func.count()).select_from(Declaration))


@pytest.fixture
def key(db):
    done = run(db, "keys", "create", "--role", "declarant", "--economy", "AU", "--party", "AU-ABN-11222333444")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_keys_create_prints_the_key_alone(db, key):
    assert key.startswith("cw_") and "\n" not in key and len(key) > 40
    bad = run(db, "keys", "create", "--role", "king", "--economy", "AU")
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: role:")
    assert len(bad.stderr.strip().splitlines()) == 1
    nope = run(db, "keys", "create", "--role", "declarant", "--economy", "AU")
    assert nope.returncode == 2 and "party" in nope.stderr


def test_submit_one_declaration(db, key):
    done = run(db, "submit", str(EXAMPLES / "declaration-au-oranges.json"), "--key", key)
    assert done.returncode == 0, done.stderr
    mrn = done.stdout.split()[0]
    assert done.stdout.split()[1] == "accepted" and len(mrn) == 16
    again = run(db, "submit", str(EXAMPLES / "declaration-au-oranges.json"), "--key", key)
    assert again.returncode == 0 and "already lodged" in again.stdout and again.stdout.split()[0] == mrn


def test_submit_refusal_is_one_line_exit_2(db, key, tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**example("declaration-au-oranges.json"), "currency": "XYZ"}))
    done = run(db, "submit", str(bad), "--key", key)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "currency" in done.stderr and "ISO 4217" in done.stderr
    assert count(db) == 0
    assert run(db, "submit", str(tmp_path / "missing.json"), "--key", key).returncode == 2
    assert run(db, "submit", str(EXAMPLES / "declaration-au-oranges.json"), "--key", "cw_wrong").returncode == 2


def test_submit_json_lines_refuses_bad_lines_alone(db, key, tmp_path: Path):
    good = example("declaration-au-oranges.json")
    lines = [json.dumps({**good, "lrn": f"B-{i}"}) for i in range(5)]
    lines.insert(2, "{not json")
    lines.append(json.dumps({**good, "lrn": "B-bad", "office": "NZAKL"}))
    f = tmp_path / "many.jsonl"
    f.write_text("\n".join(lines) + "\n")
    results = tmp_path / "results.jsonl"
    done = run(db, "submit", str(f), "--key", key, "--results", str(results))
    assert done.returncode == 1, done.stderr
    assert "7 declarations: 5 accepted, 0 already lodged, 2 refused" in done.stdout
    assert "line 3" in done.stdout and "malformed JSON" in done.stdout
    assert "line 7 (LRN B-bad): office" in done.stdout
    rows = [json.loads(x) for x in results.read_text().splitlines()]
    assert [r["outcome"] for r in rows] == ["accepted"] * 2 + ["refused"] + ["accepted"] * 3 + ["refused"]
    assert count(db) == 5


def test_submit_over_http(db, server, key):
    done = run(db, "submit", str(EXAMPLES / "declaration-au-oranges.json"), "--key", key, "--url", server.url)
    assert done.returncode == 0, done.stderr
    assert "accepted" in done.stdout and count(db) == 1


def test_submit_to_an_unreachable_server_is_one_line_exit_2(db, key, tmp_path: Path):
    """Issue 9: `submit --url` to a server that is not there printed a traceback."""
    import socket

    with socket.socket() as s:  # a loopback port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = run(db, "submit", str(EXAMPLES / "declaration-au-oranges.json"), "--key", key,
               "--url", f"http://127.0.0.1:{port}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"error: cannot reach http://127.0.0.1:{port}: [Errno 111] "
                                        "Connection refused (nothing was lodged)"]
    assert "Traceback" not in done.stderr and done.stdout == ""
    no_scheme = run(db, "submit", str(EXAMPLES / "declaration-au-oranges.json"), "--key", key, "--url", "localhost:1")
    assert no_scheme.returncode == 2 and len(no_scheme.stderr.splitlines()) == 1
    assert no_scheme.stderr == "error: --url: 'localhost:1' must start with http:// or https://\n"
    assert count(db) == 0


def test_hs_search(db):
    done = run(db, "hs", "search", "fresh oranges", "--limit", "3")
    assert done.returncode == 0 and "080510" in done.stdout.splitlines()[3]
