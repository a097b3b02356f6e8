"""Seal events per second: through the tamper-detection core, through HTTP batches into the database, and
through MQTT (Mosquitto) into the database, in one run.

    PYTHONPATH=src python benchmarks/bench_seals.py [--journeys N] [--pg postgresql+psycopg://...]

Aims (issue 6): 100,000 events/s in the core, 10,000 events/s stored from MQTT, on 2 cores.
The baseline, measured in the same run, is a bare Python loop over the same reports (one attribute read
each): it shows how fast this machine is right now, while other jobs share its cores."""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

from clearway.containers import synthetic  # noqa: E402
from clearway.containers.thresholds import DetectorConfig  # noqa: E402
from clearway.containers.tamper import detect  # noqa: E402

ECONOMY = "AU"  # the benchmark's installation: its key, its listeners, its journeys


def bench_core(n_journeys: int) -> dict:
    cfg = DetectorConfig()
    sims = synthetic.fleet(random.Random(1), journeys=n_journeys, tamper_rate=0.2, start=1.8e9)
    work = [(s.journey, s.reports + s.foreign) for s in sims]
    events = sum(len(r) for _, r in work)
    t = time.perf_counter()
    total = 0.0
    for _, reports in work:
        for r in reports:
            total += r.lat
    base = time.perf_counter() - t
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        alerts = 0
        for j, reports in work:
            alerts += len(detect(j, reports, cfg))
        best = min(best, time.perf_counter() - t)
    return {"journeys": n_journeys, "events": events, "alerts": alerts, "seconds": round(best, 3),
            "events_per_s": round(events / best), "baseline_loop_events_per_s": round(events / base)}


def bench_verify(n_events: int = 20_000) -> dict:
    """What proof of origin costs a report: canonical bytes and HMAC-SHA256 check (containers/signing.py),
    against Ed25519 verification (cryptography) of the same bytes, the alternative considered."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from clearway.containers import signing
    from clearway.containers.schemas import EventIn

    sims = synthetic.fleet(random.Random(5), journeys=200, tamper_rate=0.0, start=1.8e9)
    events = [EventIn.model_validate(e) for s in sims for e in synthetic.events_of(s)][:n_events]
    keys = {e.seal_id: signing.simulated_key(e.seal_id) for e in events}
    t = time.perf_counter()
    ok = sum(signing.verify_event(e, e.sig, keys[e.seal_id]) for e in events)
    hmac_s = time.perf_counter() - t
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    signed = [(signing.canonical_of(e), private.sign(signing.canonical_of(e))) for e in events]
    t = time.perf_counter()
    for message, sig in signed:
        public.verify(sig, message)
    ed_s = time.perf_counter() - t
    return {"events": len(events), "verified": ok, "hmac_us_per_event": round(hmac_s / len(events) * 1e6, 1),
            "ed25519_us_per_event": round(ed_s / len(events) * 1e6, 1)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(url: str) -> dict:
    # CLEARWAY_ECONOMY: the economy the listeners serve and the simulator's journeys belong to
    return {**os.environ, "PYTHONPATH": str(SRC), "CLEARWAY_DATABASE_URL": url, "CLEARWAY_ECONOMY": ECONOMY}


def _fresh(url: str) -> None:
    from sqlalchemy import text

    from clearway.db import make_engine, migrate

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    engine.dispose()


def _officer_key(url: str) -> str:
    from clearway.auth.service import create_key
    from clearway.db import make_engine, make_sessionmaker, transaction

    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        key, _ = create_key(s, role="officer", economy="AU", actor="bench")
    engine.dispose()
    return key


def bench_http(url: str, n_journeys: int, batch: int = 2000) -> dict:
    import httpx

    _fresh(url)
    key = _officer_key(url)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(port)], env=_env(url),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        sims = synthetic.fleet(random.Random(2), journeys=n_journeys, tamper_rate=0.2,
                              start=time.time() - 3 * 86400, seal_prefix=f"B{uuid.uuid4().hex[:6]}",
                              economy="AU")  # the key's: events are accepted only within its journeys' economy
        events = sorted((e for s in sims for e in synthetic.events_of(s)), key=lambda e: e["received_at"])
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=300) as c:
            for s in sims:
                assert c.post("/api/v1/seals", json=synthetic.seal_request(s)).status_code == 201
            t = time.perf_counter()
            stored = alerts = 0
            for i in range(0, len(events), batch):
                r = c.post("/api/v1/seal-events", json={"events": events[i:i + batch]})
                r.raise_for_status()
                stored += r.json()["stored"]
                alerts += len(r.json()["alerts"])
            dt = time.perf_counter() - t
            t = time.perf_counter()
            again = c.post("/api/v1/seal-events", json={"events": events[:batch]}).json()
            repeat_dt = time.perf_counter() - t
    finally:
        server.terminate()
        server.wait(10)
    return {"backend": url.split(":")[0], "events": len(events), "stored": stored, "alerts": alerts,
            "batch": batch, "seconds": round(dt, 2), "events_per_s": round(stored / dt),
            "repeat_batch_events_per_s": round(batch / repeat_dt), "repeat_duplicates": again["duplicates"]}


def bench_mqtt(url: str, n_journeys: int, per_message: int, idle: float = 10.0) -> dict:
    from clearway.containers.mqtt import Listener
    from clearway.flows import seals
    from clearway.db import make_engine, make_sessionmaker

    _fresh(url)
    prefix = f"bench-{uuid.uuid4().hex[:8]}/clearway"
    engine = make_engine(url)
    listener = Listener(make_sessionmaker(engine), ingest=seals.ingest, economy=ECONOMY, prefix=prefix,
                        client_id=f"clearway-bench-{uuid.uuid4().hex[:8]}")
    thread = threading.Thread(target=listener.run, daemon=True)
    cpu0 = time.process_time()  # this process runs only the listener meanwhile (the publisher is another)
    thread.start()
    listener.connected.wait(10)
    with tempfile.TemporaryDirectory() as tmp:
        truth = Path(tmp) / "truth.json"
        subprocess.run([sys.executable, "-m", "clearway", "seals", "simulate", "--journeys", str(n_journeys),
                        "--tamper-rate", "0.2", "--truth", str(truth), "--mqtt", "127.0.0.1:1883", "--prefix",
                        prefix, "--per-message", str(per_message), "--seed", "3"], env=_env(url), check=True,
                       stdout=subprocess.DEVNULL)
        sent = json.loads(truth.read_text())["events"]
    # Mosquitto drops what overflows a client's queue (max_queued_messages, 1000 by default; docs/containers.md)
    # when the listener falls behind: stop waiting once nothing has come for `idle` seconds, and say how many
    # events never arrived instead of waiting for them
    deadline, last, quiet = time.monotonic() + 600, -1, time.monotonic()
    while listener.stats.outcome.received < sent and time.monotonic() < deadline:
        got = listener.stats.outcome.received
        if got != last:
            last, quiet = got, time.monotonic()
        elif time.monotonic() - quiet > idle:
            break
        time.sleep(0.05)
    listener.stop()
    thread.join(60)
    cpu = time.process_time() - cpu0
    # forget the benchmark's persistent session on the broker
    import paho.mqtt.client as paho

    c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=listener.client._client_id.decode(),
                    protocol=paho.MQTTv5)
    c.connect("127.0.0.1", 1883, clean_start=True)
    c.disconnect()
    st = listener.stats
    dt = (st.last_at or 0) - (st.first_at or 0)
    engine.dispose()
    return {"backend": url.split(":")[0], "events": sent, "per_message": per_message, "messages": st.messages,
            "lost_events": sent - st.outcome.received,  # dropped by the broker (or still queued after `idle`)
            "stored": st.outcome.stored, "duplicates": st.outcome.duplicates, "batches": st.batches,
            "alerts": len(st.outcome.alerts), "seconds": round(dt, 2), "busy_seconds": round(st.busy, 2),
            # end to end: from the first message taken to the last commit (bounded by the publisher's pace)
            "events_per_s": round((st.outcome.stored + st.outcome.duplicates) / dt) if dt > 0 else None,
            # what the listener can take: events over the time it spent storing
            "listener_capacity_events_per_s": round((st.outcome.stored + st.outcome.duplicates) / st.busy)
            if st.busy > 0 else None,
            # what it would take with a core to itself: events over the listener's CPU seconds (all threads)
            "listener_cpu_seconds": round(cpu, 2), "events_per_cpu_s": round(st.outcome.stored / cpu) if cpu else None}


def bench_ingest(url: str, n_journeys: int, batch: int = 2000) -> dict:
    """Straight into the store, no transport: validation, dedupe, insert, detection, alerts, audit."""
    from clearway.auth.core import Principal
    from clearway.containers import service
    from clearway.flows.seals import ingest
    from clearway.containers.schemas import SealIn
    from clearway.db import make_engine, make_sessionmaker, transaction

    _fresh(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    sims = synthetic.fleet(random.Random(4), journeys=n_journeys, tamper_rate=0.2, start=time.time() - 3 * 86400,
                          economy=ECONOMY)
    who = Principal(0, "officer", ECONOMY, "bench")
    with transaction(factory) as s:
        for sim in sims:
            service.affix(s, principal=who, seal=SealIn.model_validate(synthetic.seal_request(sim)))
    events = sorted((e for s in sims for e in synthetic.events_of(s)), key=lambda e: e["received_at"])
    t, c = time.perf_counter(), time.process_time()
    stored = 0
    for i in range(0, len(events), batch):
        with transaction(factory) as s:
            stored += ingest(s, events=events[i:i + batch], source="local", actor="bench", economy=ECONOMY).stored
    dt, cpu = time.perf_counter() - t, time.process_time() - c
    engine.dispose()
    return {"backend": url.split(":")[0], "events": len(events), "stored": stored, "batch": batch,
            "seconds": round(dt, 2), "events_per_s": round(stored / dt), "events_per_cpu_s": round(stored / cpu)}


def bench_mqtt_workers(url: str, n_journeys: int, per_message: int, workers: int) -> dict:
    """Listeners as separate processes sharing one subscription ($share): the broker spreads the messages."""
    from sqlalchemy import func, select

    from clearway.containers.models import SealEvent
    from clearway.db import make_engine

    _fresh(url)
    prefix = f"bench-{uuid.uuid4().hex[:8]}/clearway"
    group = f"g{uuid.uuid4().hex[:6]}"
    ids = [f"clearway-bench-{uuid.uuid4().hex[:8]}" for _ in range(workers)]
    engine = make_engine(url)

    def count() -> int:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(SealEvent)).scalar_one()

    with tempfile.TemporaryDirectory() as tmp:
        procs = [subprocess.Popen([sys.executable, "-m", "clearway", "seals", "listen", "--prefix", prefix,
                                   "--client-id", cid, "--share", group, "--spool", f"{tmp}/{cid}.db"],
                                  env=_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for cid in ids]
        try:
            for p in procs:
                while "subscribed" not in (p.stderr.readline() or "subscribed"):
                    pass
            truth = Path(tmp) / "truth.json"
            sim = subprocess.Popen([sys.executable, "-m", "clearway", "seals", "simulate", "--journeys",
                                    str(n_journeys), "--tamper-rate", "0.2", "--truth", str(truth), "--mqtt",
                                    "127.0.0.1:1883", "--prefix", prefix, "--per-message", str(per_message),
                                    "--seed", "3"], env=_env(url), stdout=subprocess.DEVNULL)
            first = None
            while sim.poll() is None or first is None:
                if first is None and count() > 0:
                    first = time.perf_counter()
                time.sleep(0.02)
                if sim.poll() not in (None, 0):
                    raise RuntimeError("the simulator failed")
            truth_data = json.loads(truth.read_text())
            expected = len({(j["seal_id"]) for j in truth_data["journeys"]})  # noqa: F841 - for the record
            target = truth_data["events"]
            deadline = time.monotonic() + 600
            last, stable = -1, 0
            while time.monotonic() < deadline:
                n = count()
                stable = stable + 1 if n == last else 0
                last = n
                if stable >= 20:  # nothing new for 1 s: all stored (repeats are not rows)
                    break
                time.sleep(0.05)
            done = time.perf_counter() - 1.0
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(30)
        for cid in ids:
            import paho.mqtt.client as paho

            c = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=cid, protocol=paho.MQTTv5)
            c.connect("127.0.0.1", 1883, clean_start=True)
            c.disconnect()
    stored = count()
    engine.dispose()
    dt = done - (first or done)
    return {"backend": url.split(":")[0], "workers": workers, "per_message": per_message, "events_sent": target,
            "stored": stored, "seconds": round(dt, 2), "events_per_s": round(stored / dt) if dt > 0 else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--core-journeys", type=int, default=2000)
    ap.add_argument("--journeys", type=int, default=300, help="journeys for the HTTP and MQTT runs")
    ap.add_argument("--pg", default=os.environ.get("CLEARWAY_BENCH_DATABASE_URL"),
                    help="a PostgreSQL database the benchmark may wipe")
    ap.add_argument("--skip-mqtt", action="store_true")
    ap.add_argument("--only-mqtt", action="store_true", help="the core, the signature check and MQTT only")
    args = ap.parse_args()
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count()}
    results["core"] = bench_core(args.core_journeys)
    print(json.dumps({"core": results["core"]}), flush=True)
    results["verify"] = bench_verify()
    print(json.dumps({"verify": results["verify"]}), flush=True)
    if args.only_mqtt:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        results["mqtt"] = [bench_mqtt(u, args.journeys, per) for u in [url] + ([args.pg] if args.pg else [])
                           for per in (1, 50)]
        print(json.dumps(results, indent=1))
        return
    backends = [f"sqlite:///{tempfile.mkdtemp()}/bench.db"] + ([args.pg] if args.pg else [])
    results["http"] = []
    results["mqtt"] = []
    results["ingest"] = []
    for url in backends:
        results["ingest"].append(bench_ingest(url, args.journeys))
        print(json.dumps({"ingest": results["ingest"][-1]}), flush=True)
        results["http"].append(bench_http(url, args.journeys))
        print(json.dumps({"http": results["http"][-1]}), flush=True)
        if not args.skip_mqtt:
            for per in (1, 50):
                results["mqtt"].append(bench_mqtt(url, args.journeys, per))
                print(json.dumps({"mqtt": results["mqtt"][-1]}), flush=True)
            results["mqtt"].append(bench_mqtt_workers(url, args.journeys, 1, 2))
            print(json.dumps({"mqtt": results["mqtt"][-1]}), flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
