"""ePhyto throughput: certificates validated, signed and verified per second, and delivered end to end
through the hub (node -> hub -> node over real HTTP, SQLite nodes), in one run with its baselines.

    PYTHONPATH=src python benchmarks/bench_ephyto.py [--n 600] [--e2e 200]

Baselines measured in the same run: parsing alone (the floor), and validation that rebuilds the
compiled schema for every certificate (what building it once avoids)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from clearway.certificates import builder, schema, signing, xmlsafe
from clearway.certificates.schemas import EPhytoIn

SAMPLE = {
    "number": "TH-0", "issuer": "Department of Agriculture", "place_of_issue": "Bangkok",
    "consignor": {"name": "Siam Fresh Fruit Co., Ltd.", "address": ["99 Rama IV Road", "Bangkok"]},
    "consignee": {"name": "Oz Fruit Importers Pty Ltd", "address": ["12 Market St", "Sydney"]},
    "origin": "TH", "destination": "AU", "points_of_entry": ["Sydney"], "conveyance": "sea",
    "products": [{"description": "Fresh mangosteen", "hs_code": "080450", "botanical_name": "Garcinia mangostana",
                  "net_weight_kg": "12000", "packages": 1200},
                 {"description": "Fresh durian", "hs_code": "081060", "botanical_name": "Durio zibethinus",
                  "net_weight_kg": "8000", "packages": 400}],
    "treatments": [{"type": "CHT", "chemical": "Fludioxonil", "concentration": "2.5", "duration_hours": "3"}],
    "additional_declarations": ["The consignment was inspected and found free of Bactrocera dorsalis."],
}


def certificate(i: int) -> EPhytoIn:
    return EPhytoIn.model_validate(SAMPLE | {"number": f"TH-{i:07d}"})


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def timed(fn, n: int) -> float:  # noqa: ANN001
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return rate(n, time.perf_counter() - start)


def _issue_batch(args: tuple[int, int, bytes, bytes]) -> int:
    """Validate-and-sign worker: build, sign, validate (what issuing a certificate costs)."""
    start, n, key_pem, cert_pem = args
    pair = signing.KeyPair(key_pem, cert_pem)
    for i in range(start, start + n):
        xml = builder.to_bytes(signing.sign(builder.build(certificate(i)), pair))
        assert not schema.severe(schema.check(xml)[0])
    return n


def core(n: int) -> dict:
    pair = signing.new_key_pair(economy="TH", party="NPPO-TH")
    docs = [builder.to_bytes(signing.sign(builder.build(certificate(i)), pair)) for i in range(min(n, 200))]
    pick = lambda i: docs[i % len(docs)]  # noqa: E731
    schema.check(docs[0])  # compile the schema once, outside the timings
    out = {
        "baseline_parse_only_per_s": timed(lambda i: xmlsafe.parse(pick(i)), n),
        "baseline_validate_rebuilding_schema_per_s": timed(
            lambda i: etree.XMLSchema(etree.parse(str(schema.SCHEMA_PATH))).validate(xmlsafe.parse(pick(i))),
            max(10, n // 30)),
        "validated_per_s": timed(lambda i: schema.check(pick(i)), n),
        "signed_per_s": timed(lambda i: signing.sign(builder.build(certificate(i)), pair), n),
        "verified_per_s": timed(lambda i: signing.verify(pick(i), pair.cert_pem), n),
        "issued_validated_and_signed_per_s_1_process": timed(
            lambda i: _issue_batch((i, 1, pair.key_pem, pair.cert_pem)), n),
    }
    workers = os.cpu_count() or 2
    per = n // workers
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_issue_batch, [(0, 5, pair.key_pem, pair.cert_pem)] * workers))  # warm the workers
        start = time.perf_counter()
        done = sum(pool.map(_issue_batch, [(w * per, per, pair.key_pem, pair.cert_pem) for w in range(workers)]))
        out[f"issued_validated_and_signed_per_s_{workers}_processes"] = rate(done, time.perf_counter() - start)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def end_to_end(n: int) -> dict:
    import uvicorn

    from clearway.auth.core import Principal
    from clearway.certificates import exchange, hub_store, nppo, service
    from clearway.flows import hub_exchange
    from clearway.certificates.hub_client import HubClient
    from clearway.certificates.hub_server import create_hub_app
    from clearway.db import make_engine, make_sessionmaker, migrate, transaction

    tmp = Path(tempfile.mkdtemp(prefix="bench-ephyto-"))

    def node(name: str):  # noqa: ANN202
        engine = make_engine(f"sqlite:///{tmp / name}")
        migrate(engine)
        return make_sessionmaker(engine)

    hub_factory = hub_store.sessions(f"sqlite:///{tmp / 'hub.db'}")
    tokens = {c: hub_store.add_nppo(hub_factory, country=c) for c in ("TH", "AU")}
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_hub_app(factory=hub_factory), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}/hub/DeliveryService"
    th, au = node("th.db"), node("au.db")
    with transaction(th) as s:
        cert_pem = nppo.create_key(s, economy="TH", party_id="NPPO-TH", actor="bench").cert_pem
    with transaction(au) as s:
        nppo.trust(s, economy="TH", cert_pem=cert_pem, actor="bench")
    who = Principal(key_id=1, role="nppo", economy="TH", party_id="NPPO-TH")
    start = time.perf_counter()
    for i in range(n):
        with transaction(th) as s:
            service.issue(s, principal=who, cert=certificate(i))
    issued = time.perf_counter()
    with HubClient(url, tokens["TH"]) as hub_th, HubClient(url, tokens["AU"]) as hub_au:
        sent = exchange.send_pending(th, hub_th, limit=n)
        delivered = time.perf_counter()
        received = {"accepted": 0, "warnings": 0, "refused": 0}
        while sum(received.values()) < n:
            got = hub_exchange.pull(au, hub_au, economy="AU")
            if not sum(got.values()):
                break
            for k, v in got.items():
                received[k] += v
    end = time.perf_counter()
    server.should_exit = True
    assert sent["sent"] == n and received["accepted"] == n, (sent, received)
    return {"e2e_certificates": n,
            "e2e_issue_store_per_s": rate(n, issued - start),
            "e2e_deliver_to_hub_per_s": rate(n, delivered - issued),
            "e2e_pull_verify_store_ack_per_s": rate(n, end - delivered),
            "e2e_issued_to_received_per_s": rate(n, end - start)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--e2e", type=int, default=200)
    args = parser.parse_args()
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "python": platform.python_version(),
              "cpus": os.cpu_count()}
    report |= core(args.n)
    report |= end_to_end(args.e2e)
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in report.items()}, indent=2))


if __name__ == "__main__":
    main()
