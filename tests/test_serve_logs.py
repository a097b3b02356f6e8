"""`clearway serve` as a real process: issue 9 said it wrote no access or error log at all. Each
request now gets one access-log line, and start-up and errors go to the error log; stderr by
default, files when asked; JSON lines by default, text when asked, with the request id either way
(issue 18). The database is the embedded SQLite under a temporary data dir."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support import clearway_serve


def _serve(tmp_path: Path, *extra: str):
    env = {"PATH": "/usr/bin:/bin", "CLEARWAY_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    proc, port = clearway_serve(*extra, env=env, wait=90, probe="/api/v1/reference/economies",  # (logged too)
                                stderr=tmp_path / "stderr.txt")
    return proc, f"http://127.0.0.1:{port}"


def _stop(proc) -> None:
    proc.terminate()
    proc.wait(timeout=30)


LINE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1:\d+ "GET /api/v1/declarations\?limit=1 HTTP/1\.1" '
                  r'401 Unauthorized request_id=[0-9a-f]{32}$')


def test_serve_logs_each_request_and_its_start_to_stderr_as_json(tmp_path: Path):
    proc, url = _serve(tmp_path)
    try:
        r = httpx.get(f"{url}/api/v1/declarations?limit=1", timeout=30)
        assert r.status_code == 401
    finally:
        _stop(proc)
    text = (tmp_path / "stderr.txt").read_text().splitlines()
    assert text[0].startswith("Clearway on http://")  # the banner, for the person who started it
    lines = [json.loads(line) for line in text[1:]]
    access = [line for line in lines if line.get("path") == "/api/v1/declarations?limit=1"]
    assert len(access) == 1, lines
    assert access[0] | {"time": "T"} == {"time": "T", "level": "INFO", "logger": "uvicorn.access",
                                         "message": access[0]["message"], "client": access[0]["client"],
                                         "method": "GET", "path": "/api/v1/declarations?limit=1",
                                         "http_version": "1.1", "status": 401,
                                         "request_id": r.headers["x-request-id"]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", access[0]["time"])
    assert any(line["message"] == f"Uvicorn running on {url} (Press CTRL+C to quit)" and line["level"] == "INFO"
               for line in lines)


def test_serve_writes_the_logs_to_files_when_asked(tmp_path: Path):
    access, errors = tmp_path / "logs" / "access.log", tmp_path / "logs" / "error.log"
    access.parent.mkdir()
    proc, url = _serve(tmp_path, "--access-log-file", str(access), "--error-log-file", str(errors),
                       "--log-format", "text")
    try:
        httpx.get(f"{url}/api/v1/declarations?limit=1", timeout=30)
    finally:
        _stop(proc)
    assert [line for line in access.read_text().splitlines() if LINE.match(line)]
    assert "Application startup complete." in errors.read_text()
    assert "/api/v1/declarations" not in errors.read_text()
    assert "GET " not in (tmp_path / "stderr.txt").read_text()


def test_serve_refuses_a_log_file_it_cannot_open(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "clearway", "serve", "--access-log-file",
                           str(tmp_path / "no" / "such" / "dir" / "access.log")], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "CLEARWAY_DATA_DIR": str(tmp_path)}, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: --access-log-file: {tmp_path}/no/such/dir/access.log: "
                                        "No such file or directory"]
    assert not (tmp_path / "clearway.db").exists()  # refused before the database was touched
