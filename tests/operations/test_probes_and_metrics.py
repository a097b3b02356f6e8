"""Operable: /healthz and /readyz with their status codes, Prometheus metrics at /metrics (parsed with
prometheus_client's own parser), the request id (kept from X-Request-ID or made, returned, carried into
log lines), and OpenTelemetry spans (SDK's in-memory exporter) only when asked."""

from __future__ import annotations

import json
import logging
import logging.config
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from clearway import tracing
from clearway.app import create_app
from clearway.config import Settings
from tests.risk.support import DECLARANT, declaration
from tests.support import free_port, serve_app


def _served(settings: Settings):
    url, server, thread = serve_app(create_app(settings))
    return httpx.Client(base_url=url, timeout=60), server, thread


def _stop(client, server, thread) -> None:
    client.close()
    server.should_exit = True
    thread.join(timeout=10)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_readyz_is_200_when_the_database_is_reachable_and_current(db, tmp_path):
    client, *rest = _served(Settings(data_dir=tmp_path, database_url=db.url, mqtt=None))
    try:
        assert client.get("/healthz").json() == {"status": "ok"}
        r = client.get("/readyz")
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}
    finally:
        _stop(client, *rest)


def test_readyz_is_503_naming_the_failing_check(tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))  # something listening: the broker's TCP check passes
    up = listener.getsockname()
    unmigrated = f"sqlite:///{tmp_path / 'empty.db'}"
    create_engine(unmigrated).connect().close()
    cases = [
        (Settings(data_dir=tmp_path, database_url=unmigrated, mqtt=up), "migrations", "clearway db upgrade"),
        (Settings(data_dir=tmp_path, database_url=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none",
                  mqtt=None), "database", "unreachable"),
        (Settings(data_dir=tmp_path, database_url=unmigrated, mqtt=("127.0.0.1", free_port())), "broker",
         "unreachable at 127.0.0.1"),
    ]
    try:
        for settings, check, words in cases:
            client, *rest = _served(settings)
            try:
                assert client.get("/healthz").status_code == 200  # alive all the same
                r = client.get("/readyz")
                assert r.status_code == 503 and r.headers["retry-after"] == "5"
                assert r.json()["status"] == "not ready" and words in r.json()["checks"][check], r.text
                if check == "migrations":  # the broker check passed where the broker listened
                    assert r.json()["checks"]["broker"] == "ok"
            finally:
                _stop(client, *rest)
    finally:
        listener.close()


def test_metrics_count_requests_by_route_template_lanes_and_seal_events(db, server, keys, monkeypatch, tmp_path):
    from clearway.risk import decisions

    monkeypatch.setenv(decisions.MODEL_ENV, str(tmp_path / "none"))
    http = httpx.Client(base_url=server.url, timeout=60)
    before = samples(http.get("/metrics").text)
    declarant = keys.client(keys.create("declarant", "AU", DECLARANT))
    mrn = declarant.post("/api/v1/declarations", json=declaration()).json()["mrn"]
    assert declarant.get(f"/api/v1/declarations/{mrn}").status_code == 200
    assert declarant.get("/api/v1/declarations/AU-NO-SUCH").status_code == 404
    r = declarant.post(f"/api/v1/declarations/{mrn}/assessment")
    assert r.status_code == 201, r.text
    lane = r.json()["lane"]
    officer = keys.client(keys.create("officer", "AU"))
    r = officer.post("/api/v1/seal-events", json=[{"seal_id": "NOSUCH", "seq": n, "device_time": "1970-01-01T00:00:00Z",
                                                   "lat": -33.9, "lon": 151.2, "status": "sealed", "battery": 90}
                                                  for n in (1, 2)])
    assert r.status_code == 200 and r.json()["refused"] == 2, r.text
    after = samples(http.get("/metrics").text)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    read = dict(method="GET", route="/api/v1/declarations/{mrn}")
    assert grew("clearway_http_requests_total", **read, status="200") == 1  # by template, not by MRN
    assert grew("clearway_http_requests_total", **read, status="404") == 1
    assert grew("clearway_http_request_duration_seconds_count", **read) == 2
    assert grew("clearway_lanes_chosen_total", lane=lane) == 1
    # the lodgement went through the desk alone: one group of one
    assert grew("clearway_desk_group_size_count") == 1 and grew("clearway_desk_group_size_sum") == 1
    assert grew("clearway_desk_group_size_bucket", le="1.0") == 1
    assert grew("clearway_seal_events_total", outcome="refused") == 2
    assert not [k for k in after if mrn in str(k)]  # no MRN became a label
    queue = after[("clearway_queue_size", (("queue", "declarations_waiting"),))]
    assert queue >= 0


def test_a_request_id_is_kept_or_made_returned_and_logged(db, server, caplog):
    http = httpx.Client(base_url=server.url, timeout=60)
    r = http.get("/api/v1/declarations", headers={"X-Request-ID": "trace-me.42"})
    assert r.status_code == 401 and r.headers["x-request-id"] == "trace-me.42"
    made = http.get("/healthz").headers["x-request-id"]
    assert len(made) == 32 and int(made, 16) >= 0
    odd = http.get("/healthz", headers={"X-Request-ID": "a b\tc" + "x" * 200}).headers["x-request-id"]
    assert len(odd) == 32  # not kept: spaces and length would go into log lines and headers


def test_json_log_lines_carry_the_request_id(tmp_path):
    from clearway import logs
    from clearway.observe import REQUEST_ID

    out = tmp_path / "error.log"
    logging.config.dictConfig(logs.config(level="info", error_file=out, access_file=tmp_path / "access.log"))
    client, *rest = _served(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"))
    try:
        with client:
            pass
        token = REQUEST_ID.set("rid-123")
        logging.getLogger("clearway.test").info("inside a request")
        REQUEST_ID.reset(token)
        logging.getLogger("clearway.test").info("outside")
    finally:
        _stop(client, *rest)
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    inside = [line for line in lines if line["message"] == "inside a request"]
    assert inside and inside[0]["request_id"] == "rid-123" and inside[0]["level"] == "INFO"
    assert inside[0]["logger"] == "clearway.test" and inside[0]["time"].endswith("Z")
    assert [line["request_id"] for line in lines if line["message"] == "outside"] == [None]


def test_tracing_is_off_unless_the_otel_variables_ask(monkeypatch):
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                 "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    assert not tracing.wanted()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert tracing.wanted()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing.wanted()
    monkeypatch.delenv("OTEL_SDK_DISABLED")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert not tracing.wanted()


def test_tracing_records_a_span_per_request_with_its_route_and_request_id(tmp_path):
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"))
    assert tracing.install(app, exporter=exporter) is not None
    url, server, thread = serve_app(app)
    client = httpx.Client(base_url=url, timeout=60)
    try:
        r = client.get("/api/v1/reference/economies", headers={"X-Request-ID": "span-1"})
        assert r.status_code == 401  # no key: traced all the same
    finally:
        _stop(client, server, thread)
    servers = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    assert len(servers) == 1, [s.name for s in exporter.get_finished_spans()]
    span = servers[0]
    assert span.attributes["http.route"] == "/api/v1/reference/economies"
    assert span.attributes["clearway.request_id"] == "span-1"


def test_with_several_workers_metrics_add_up_every_workers_counts(tmp_path):
    """`clearway serve --workers 2`: the counts go to the shared directory, and every scrape, whichever
    worker answers it, gives the same total. (Which worker takes a connection is the kernel's choice, so
    the test cannot make both serve; prometheus_client's own tests cover adding files up.)"""
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "CLEARWAY_DATA_DIR": str(tmp_path / "data"),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    log = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(port), "--workers", "2",
                             "--no-access-log"], stdout=subprocess.DEVNULL, stderr=log, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base}/readyz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr.txt").read_text()
                time.sleep(0.3)
        for _ in range(40):  # new connections: the kernel spreads them over both workers
            assert httpx.get(f"{base}/api/v1/tfa/measures", timeout=30).status_code == 200
        key = (("method", "GET"), ("route", "/api/v1/tfa/measures"), ("status", "200"))
        seen = {samples(httpx.get(f"{base}/metrics", timeout=30).text).get(("clearway_http_requests_total", key))
                for _ in range(6)}
        files = [p.name for p in (tmp_path / "metrics").iterdir()]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
    assert seen == {40.0}
    assert any(name.startswith("counter_") for name in files)  # counts kept in the shared directory


def test_share_metrics_starts_an_empty_directory(monkeypatch, tmp_path):
    from clearway import logs

    variable = "PROMETHEUS_MULTIPROC_DIR"
    stale = tmp_path / "metrics"
    stale.mkdir()
    (stale / "counter_123.db").write_bytes(b"old counts")
    monkeypatch.setenv(variable, str(stale))
    logs.share_metrics()
    assert list(stale.iterdir()) == [] and (stale.stat().st_mode & 0o777) == 0o700
    monkeypatch.delenv(variable)
    logs.share_metrics()
    made = Path(os.environ[variable])
    assert made.is_dir() and made != stale
