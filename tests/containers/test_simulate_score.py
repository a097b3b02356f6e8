"""`clearway seals simulate` and `clearway seals score`: over HTTP, over MQTT, and the scoring core."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from clearway.containers.score import score
from clearway.flows import seals
from tests.containers.support import BROKER, ECONOMY, broker_up, wait_for

SRC = Path(__file__).resolve().parents[2] / "src"


def _cli(*args, db_url=None, check=True):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if db_url:
        env["CLEARWAY_DATABASE_URL"] = db_url
    p = subprocess.run([sys.executable, "-m", "clearway", *args], env=env, capture_output=True, text=True,
                       timeout=300)
    if check:
        assert p.returncode == 0, p.stderr + p.stdout
    return p


def test_score_counts_journeys_and_rules():
    truth = [{"seal_id": "A-1", "rules": ["gap"]}, {"seal_id": "A-2", "rules": []},
             {"seal_id": "A-3", "rules": ["corridor"]}, {"seal_id": "A-4", "rules": []}]
    raised = [("A-1", "gap"), ("A-1", "clock"), ("A-2", "battery"), ("X-9", "gap")]
    s = score(truth, raised)
    assert (s["precision"], s["recall"]) == (0.5, 0.5)
    assert s["confusion"] == {"tp": 1, "fp": 1, "fn": 1, "tn": 1}
    assert s["per_rule"]["gap"] | {} == {"precision": 1.0, "recall": 1.0, "tp": 1, "fp": 0, "fn": 0}
    assert s["per_rule"]["corridor"]["recall"] == 0.0 and s["per_rule"]["corridor"]["precision"] is None
    assert s["per_rule"]["clock"]["precision"] == 0.0
    assert [m["seal_id"] for m in s["mismatches"]] == ["A-2", "A-3"]  # journeys flagged wrongly, or missed
    assert s["honest_alerted"] == 0.5 and s["evasive"] == {"journeys": 0, "flagged": 0, "share_flagged": None}


def test_simulate_over_http_then_score(db, server, keys, tmp_path):
    key = keys.create("officer", ECONOMY)
    truth = tmp_path / "truth.json"
    p = _cli("seals", "simulate", "--journeys", "48", "--tamper-rate", "0.5", "--truth", str(truth),
             "--url", server.url, "--key", key, "--seed", "5", "--economy", ECONOMY)
    assert "48 journeys" in p.stdout
    data = json.loads(truth.read_text())
    assert len(data["journeys"]) == 48 and sum(j["kind"] is not None for j in data["journeys"]) == 24
    assert {j["kind"] for j in data["journeys"]} >= {"seal_swap", "silence", "detour", "battery_dead", None}
    # the attacks sized under every threshold are in the truth, apart: neither positives nor honest
    assert sum(j["evasive"] for j in data["journeys"]) == sum(j["kind"] in ("stop_under", "silence_under",
                                                                            "clock_under") for j in data["journeys"])
    result = json.loads(_cli("seals", "score", str(truth), "--json", "--url", server.url, "--key", key).stdout)
    assert result["precision"] >= 0.95 and result["recall"] >= 0.95, result["mismatches"]
    assert result["honest_alerted"] <= 0.05
    assert set(result["per_rule"]) >= {"opened", "tamper_status", "foreign_seal", "gap", "corridor", "clock",
                                       "battery"}
    for rule, m in result["per_rule"].items():
        assert m["tp"] >= 1, rule
    # the same again is idempotent: nothing stored twice, no alert raised twice
    again = _cli("seals", "simulate", "--journeys", "48", "--tamper-rate", "0.5", "--truth", str(truth),
                 "--url", server.url, "--key", key, "--seed", "5", "--economy", ECONOMY, check=False)
    assert again.returncode == 1 and "already affixed" in again.stderr


@pytest.mark.skipif(not broker_up(), reason="no MQTT broker on 127.0.0.1:1883")
def test_simulate_over_mqtt_into_the_listener_then_score(db, tmp_path):
    from clearway.containers.mqtt import Listener

    prefix = f"test-{uuid.uuid4().hex[:10]}/clearway"
    listener = Listener(db.factory, ingest=seals.ingest, economy=ECONOMY, host=BROKER[0], port=BROKER[1], prefix=prefix,
                        client_id=f"clearway-test-{uuid.uuid4().hex[:10]}")
    truth = tmp_path / "truth.json"
    # idle for long enough that a slow (loaded) start of the simulator cannot end it early
    thread = threading.Thread(target=listener.run, kwargs={"idle_exit": 60}, daemon=True)
    thread.start()
    assert listener.connected.wait(10)
    _cli("seals", "simulate", "--journeys", "24", "--tamper-rate", "0.34", "--truth", str(truth), "--mqtt",
         "127.0.0.1:1883", "--prefix", prefix, "--per-message", "5", "--seed", "9", "--economy", ECONOMY,
         db_url=db.url)
    events = json.loads(truth.read_text())["events"]
    taken = listener.stats.outcome
    assert wait_for(lambda: taken.stored + taken.duplicates + taken.refused >= events, 120)
    listener.stop()
    thread.join(30)
    # the reports of swapped-in seals nobody affixed are refused: there is no key to verify them with
    assert listener.stats.outcome.stored + listener.stats.outcome.duplicates + listener.stats.outcome.refused == events
    result = json.loads(_cli("seals", "score", str(truth), "--json", db_url=db.url).stdout)
    assert result["precision"] >= 0.95 and result["recall"] >= 0.95, result["mismatches"]
    truth_journeys = json.loads(truth.read_text())["journeys"]
    assert result["tampered"] == sum(bool(j["rules"]) for j in truth_journeys) >= 6


def test_score_refuses_a_file_that_is_not_a_truth_file(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]")
    p = _cli("seals", "score", str(bad), check=False)
    assert p.returncode == 2 and "not a truth file" in p.stderr


def test_listen_names_a_bad_or_unreachable_broker(tmp_path):
    p = _cli("seals", "listen", "--mqtt", "nowhere", db_url=f"sqlite:///{tmp_path}/x.db", check=False)
    assert p.returncode == 2 and "--mqtt must be HOST:PORT" in p.stderr
    p = _cli("seals", "listen", "--mqtt", "127.0.0.1:1", "--spool", str(tmp_path / "s.db"),
             db_url=f"sqlite:///{tmp_path}/x.db", check=False)
    assert p.returncode == 2 and "--economy (or CLEARWAY_ECONOMY) is required" in p.stderr
    p = _cli("seals", "listen", "--mqtt", "127.0.0.1:1", "--spool", str(tmp_path / "s.db"), "--economy", "XX",
             db_url=f"sqlite:///{tmp_path}/x.db", check=False)
    assert p.returncode == 2 and "--economy 'XX' is not an APEC economy code" in p.stderr
    p = _cli("seals", "listen", "--mqtt", "127.0.0.1:1", "--spool", str(tmp_path / "s.db"), "--economy", "AU",
             db_url=f"sqlite:///{tmp_path}/x.db", check=False)
    assert p.returncode == 1 and "cannot reach the MQTT broker at 127.0.0.1:1" in p.stderr


def test_sweep_command_runs_on_the_local_database(tmp_path):
    p = _cli("seals", "sweep", db_url=f"sqlite:///{tmp_path}/x.db")
    assert p.stdout.strip() == "0 alerts raised"
