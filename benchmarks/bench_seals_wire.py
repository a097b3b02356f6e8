"""Tamper detection through the store, over the wire (issue 15): the road simulator's journeys sent to a real
Clearway over HTTP (`clearway serve`) and over MQTT (Mosquitto into `clearway seals listen`), then scored
against the truth from the alerts the store raised, in one run.

    PYTHONPATH=src python benchmarks/bench_seals_wire.py [--journeys 600] [--seed 15] [--transports http,mqtt]
        [--backend sqlite|postgresql] [--reuse-rate 0.2] [--per-message 50]

The journeys are split over the economies that have routes in the library (each economy's key or listener
accepts only its own journeys), each with its own seed (seed, seed + 1, ...), so the fleet is the same for
every transport. Everything goes through the product's own commands (`seals simulate`, `seals listen`,
`seals sweep`), as an operator would run them; only the scoring reads the alerts from the database. After the
events, `clearway seals sweep` runs once (as its cron would): it raises the silences nothing arrived after.

Time to alert is not measured here: the stream is sent after the fact, faster than the devices made it, so the
server's clock says nothing about it. `bench_seals_road.py` replays each attacked journey's stream as received,
with the sweep every 5 minutes, on the detector the store runs after every batch."""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import select  # noqa: E402

from bench_lodge import fresh_url, start_server  # noqa: E402
from clearway.auth.service import create_key  # noqa: E402
from clearway.containers.models import SealAlert  # noqa: E402
from clearway.containers.score import score  # noqa: E402
from clearway.db import make_engine, make_sessionmaker, migrate, transaction  # noqa: E402

# The economies whose offices the route library's journeys start or end at (`clearway seals routes`).
ECONOMIES = ("AU", "TH", "JP", "MX", "NZ", "KR", "VN", "MY")
BROKER = "127.0.0.1:1883"


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC), "CLEARWAY_DATABASE_URL": url, "CLEARWAY_RATE_LIMIT": "0"}


def _cli(url: str, *args: str) -> str:
    p = subprocess.run([sys.executable, "-m", "clearway", *args], env=_env(url), capture_output=True, text=True,
                       timeout=1800)
    if p.returncode != 0:
        raise RuntimeError(f"clearway {' '.join(args[:2])}: {p.stderr.strip() or p.stdout.strip()}")
    return p.stdout


def _simulate_args(n: int, seed: int, economy: str, truth: Path, reuse: float) -> list[str]:
    return ["seals", "simulate", "--journeys", str(n), "--seed", str(seed), "--economy", economy,
            "--tamper-rate", "0.5", "--fault-rate", "0.6", "--reuse-rate", str(reuse), "--truth", str(truth)]


def over_http(url: str, shares: list[tuple[str, int, int]], tmp: Path, reuse: float) -> list[Path]:
    factory = make_sessionmaker(make_engine(url))
    with transaction(factory) as s:
        keys = {e: create_key(s, role="officer", economy=e, actor="bench")[0] for e, _, _ in shares}
    proc, base = start_server(url)
    truths = []
    try:
        for economy, n, seed in shares:
            truth = tmp / f"http-{economy}.json"
            _cli(url, *_simulate_args(n, seed, economy, truth, reuse), "--url", base, "--key", keys[economy])
            truths.append(truth)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    return truths


def over_mqtt(url: str, shares: list[tuple[str, int, int]], tmp: Path, reuse: float, per_message: int) -> list[Path]:
    truths = []
    for economy, n, seed in shares:
        prefix, client = f"wire-{uuid.uuid4().hex[:8]}/clearway", f"clearway-wire-{uuid.uuid4().hex[:8]}"
        log = tmp / f"{client}.log"
        with log.open("w") as err:
            listener = subprocess.Popen(
                [sys.executable, "-m", "clearway", "seals", "listen", "--economy", economy, "--mqtt", BROKER,
                 "--prefix", prefix, "--client-id", client, "--idle-exit", "15", "--spool", str(tmp / f"{client}.db")],
                env=_env(url), stdout=subprocess.PIPE, stderr=err, text=True)
        deadline = time.monotonic() + 60
        while "listening on" not in log.read_text():  # connected and subscribing
            if listener.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the listener did not start: {log.read_text()[-500:]}")
            time.sleep(0.1)
        time.sleep(2)
        truth = tmp / f"mqtt-{economy}.json"
        _cli(url, *_simulate_args(n, seed, economy, truth, reuse), "--mqtt", BROKER, "--prefix", prefix,
             "--per-message", str(per_message))
        out, _ = listener.communicate(timeout=1800)
        sent = json.loads(truth.read_text())["events"]
        print(f"  {economy}: {sent} events sent; listener: {out.strip()}", file=sys.stderr)
        _forget(client)
        truths.append(truth)
    return truths


def _forget(client_id: str) -> None:
    """End the listener's persistent session on the broker."""
    import paho.mqtt.client as paho

    c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
    host, port = BROKER.split(":")
    c.connect(host, int(port), clean_start=True)
    c.disconnect()


def scored(url: str, truths: list[Path]) -> dict:
    journeys = [j for t in truths for j in json.loads(t.read_text())["journeys"]]
    seals = {j["seal_id"] for j in journeys}
    factory = make_sessionmaker(make_engine(url))
    with factory() as s:
        rows = s.execute(select(SealAlert.seal_id, SealAlert.rule)).all()
    return score(journeys, [(r.seal_id, r.rule) for r in rows if r.seal_id in seals])


def run(transport: str, backend: str, journeys: int, seed: int, reuse: float, per_message: int) -> dict:
    per = -(-journeys // len(ECONOMIES))
    shares = [(e, min(per, journeys - i * per), seed + i) for i, e in enumerate(ECONOMIES) if journeys > i * per]
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        url = fresh_url(backend, tmp)
        migrate(make_engine(url))
        t0 = time.perf_counter()
        truths = (over_http(url, shares, tmp, reuse) if transport == "http"
                  else over_mqtt(url, shares, tmp, reuse, per_message))
        _cli(url, "seals", "sweep")
        seconds = time.perf_counter() - t0
        result = scored(url, truths)
    return {"transport": transport, "backend": backend, "seconds": round(seconds, 1), **result}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--journeys", type=int, default=600)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--transports", default="http,mqtt")
    ap.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    ap.add_argument("--reuse-rate", type=float, default=0.0)
    ap.add_argument("--per-message", type=int, default=50)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", file=sys.stderr)
    results = []
    for transport in args.transports.split(","):
        r = run(transport, args.backend, args.journeys, args.seed, args.reuse_rate, args.per_message)
        results.append(r)
        print(f"{transport} ({args.backend}): {r['journeys']} journeys, {r['tampered']} attacked over a threshold; "
              f"precision {r['precision']}, recall {r['recall']}, honest alerted {r['honest_alerted']}; "
              f"evasive flagged {r['evasive']['flagged']}/{r['evasive']['journeys']}; {r['seconds']} s")
        for m in r["mismatches"][:20]:
            print("   ", json.dumps(m))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
