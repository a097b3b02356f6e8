"""`clearway seals simulate` and `clearway seals score`."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from clearway.cli_common import fail, out, principal_from_key, sessions

BATCH = 2000


def simulate(journeys_: Annotated[int, typer.Option("--journeys", min=1, max=100_000, help="how many journeys")],
             truth: Annotated[Path, typer.Option(help="write the ground truth (JSON) here")],
             tamper_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="share of tampered journeys")] = 0.2,
             fault_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="share with device faults")] = 0.3,
             url: Annotated[Optional[str], typer.Option(help="send over HTTP to this Clearway")] = None,
             key: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_API_KEY", help="officer API key")] = None,
             mqtt: Annotated[Optional[str], typer.Option(help="publish events to this broker HOST:PORT")] = None,
             prefix: Annotated[str, typer.Option(help="MQTT topic prefix")] = "clearway",
             per_message: Annotated[int, typer.Option(min=1, max=5000, help="events per MQTT message")] = 1,
             seed: Annotated[int, typer.Option()] = 1,
             economy: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_ECONOMY", help=(
                 "journeys from or to this economy's offices, sealed by it: the key's economy with --url, the "
                 "listener's with --mqtt (required with either); locally, by default every route"))] = None) -> None:
    """Publish realistic journeys (honest, tampered in several ways, with device faults) and write the truth.

    Seals are affixed over --url (with --key), else in the local database; events go to --mqtt, else --url,
    else straight into the local database."""
    from clearway.containers import journeys
    from clearway.reference.economies import get

    if url and not key:
        fail("--key is required with --url (an officer key)")
    if (url or mqtt) and not economy:
        fail("--economy is required with --url or --mqtt: journeys are accepted only within the economy of "
             "the key or listener")
    if economy and get(economy) is None:
        fail(f"--economy {economy!r} is not an APEC economy code (AU, NZ, TH, ...)")
    if key and not url and not economy:  # affixed locally with this key: its economy seals them
        economy = principal_from_key(key).economy
    economy = economy.upper() if economy else None
    rng = random.Random(seed)
    start = time.time() - 3 * 24 * 3600
    sims = journeys.fleet(rng, journeys=journeys_, tamper_rate=tamper_rate, fault_rate=fault_rate, start=start,
                          seal_prefix=f"SIM{seed % 1000}", economy=economy)
    events = sorted((e for s in sims for e in journeys.events_of(s)), key=lambda e: e["received_at"])
    # devices do not deliver in perfect order: shuffle within small windows
    for i in range(0, len(events), 50):
        window = events[i:i + 50]
        rng.shuffle(window)
        events[i:i + 50] = window
    truth.write_text(json.dumps({"seed": seed, "journeys": [s.truth() for s in sims],
                                 "tamper_rate": tamper_rate, "events": len(events)}, indent=1))
    t0 = time.perf_counter()
    if url:
        import httpx

        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as client:
            for s in sims:
                r = client.post("/api/v1/seals", json=journeys.seal_request(s))
                if r.status_code != 201:
                    fail(f"affixing {s.journey.seal_id} was refused: HTTP {r.status_code} {r.text[:300]}", code=1)
            if not mqtt:
                stored = alerts = 0
                for i in range(0, len(events), BATCH):
                    r = client.post("/api/v1/seal-events", json={"events": events[i:i + BATCH]})
                    if r.status_code != 200:
                        fail(f"the batch at {i} was refused: HTTP {r.status_code} {r.text[:300]}", code=1)
                    stored += r.json()["stored"]
                    alerts += len(r.json()["alerts"])
                _done(len(sims), len(events), stored, alerts, time.perf_counter() - t0)
                return
    else:
        _affix_locally(sims, key, economy)
    if mqtt:
        from clearway.containers.cli import _broker
        from clearway.containers.mqtt import Publisher

        host, port = _broker(mqtt)
        try:
            pub = Publisher(host=host, port=port, prefix=prefix)
        except OSError as exc:
            fail(f"cannot reach the MQTT broker at {mqtt}: {exc.strerror or exc}", code=1)
        by_seal: dict[str, list[dict[str, Any]]] = {}
        for e in events:
            by_seal.setdefault(e["seal_id"], []).append(e)
            if len(by_seal[e["seal_id"]]) >= per_message:
                batch = by_seal.pop(e["seal_id"])
                pub.send(e["seal_id"], batch if per_message > 1 else batch[0])
        for seal_id, batch in by_seal.items():
            pub.send(seal_id, batch if per_message > 1 else batch[0])
        pub.close()
        out.print(f"{len(sims)} journeys, {len(events)} events published to {mqtt} under {prefix}/seals/ "
                  f"in {time.perf_counter() - t0:.1f} s; truth in {truth}", highlight=False)
        return
    from clearway.containers.ingest import ingest
    from clearway.db import transaction

    # each journey's events are its sealing economy's, as its gateways would send them
    sealed_by = {s.journey.seal_id: economy or journeys.economy_of(s) for s in sims}
    sealed_by.update({r.seal_id: sealed_by[s.journey.seal_id] for s in sims for r in s.foreign})
    stored = alerts = 0
    for i in range(0, len(events), BATCH):
        by_economy: dict[str, list[dict[str, Any]]] = {}
        for e in events[i:i + BATCH]:
            by_economy.setdefault(sealed_by[e["seal_id"]], []).append(e)
        for sender, batch in sorted(by_economy.items()):
            with transaction(sessions()) as session:
                o = ingest(session, events=batch, source="local", actor="simulator", economy=sender)
            stored += o.stored
            alerts += len(o.alerts)
    _done(len(sims), len(events), stored, alerts, time.perf_counter() - t0)


def _done(n: int, events: int, stored: int, alerts: int, seconds: float) -> None:
    out.print(f"{n} journeys, {events} events sent, {stored} stored, {alerts} alerts raised in {seconds:.1f} s",
              highlight=False)


def _affix_locally(sims: list[Any], key: str | None, economy: str | None) -> None:
    from clearway.auth.core import Principal
    from clearway.containers import journeys, service
    from clearway.containers.schemas import SealIn
    from clearway.db import transaction

    who = principal_from_key(key) if key else None
    with transaction(sessions()) as session:
        for s in sims:
            req = SealIn.model_validate(journeys.seal_request(s))
            principal = who or Principal(key_id=0, role="officer", economy=economy or journeys.economy_of(s),
                                         party_id="simulator")
            service.affix(session, principal=principal, seal=req)


def score_cmd(file: Annotated[Path, typer.Argument(help="the truth file written by `seals simulate`")],
              as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
              url: Annotated[Optional[str], typer.Option(help="read alerts over HTTP from this Clearway")] = None,
              key: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_API_KEY", help="officer/admin key")] = None,
              ) -> None:
    """Precision and recall of the alerts raised against the truth, overall and per rule."""
    from clearway.containers.score import score

    try:
        truth = json.loads(file.read_text("utf-8"))["journeys"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        fail(f"{file}: not a truth file written by `clearway seals simulate` ({exc})")
    seals = {j["seal_id"] for j in truth}
    raised = _alerts_http(url, key, seals) if url else _alerts_local(seals)
    result = score(truth, raised)
    if as_json:
        print(json.dumps(result, indent=1))
        return
    from rich.table import Table

    out.print(f"{result['journeys']} journeys, {result['tampered']} tampered, {result['flagged']} flagged: "
              f"precision {result['precision']}, recall {result['recall']}", highlight=False)
    table = Table("rule", "precision", "recall", "tp", "fp", "fn")
    for rule, m in result["per_rule"].items():
        table.add_row(rule, str(m["precision"]), str(m["recall"]), str(m["tp"]), str(m["fp"]), str(m["fn"]))
    out.print(table)


def _alerts_local(seals: set[str]) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from clearway.containers.models import SealAlert

    found: list[tuple[str, str]] = []
    ids = sorted(seals)
    with sessions()() as session:
        for i in range(0, len(ids), 500):
            found += [(a, b) for a, b in session.execute(select(SealAlert.seal_id, SealAlert.rule)
                                                         .where(SealAlert.seal_id.in_(ids[i:i + 500])))]
    return found


def _alerts_http(url: str, key: str | None, seals: set[str]) -> list[tuple[str, str]]:
    import httpx

    if not key:
        fail("--key is required with --url")
    found: list[tuple[str, str]] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        after = None
        while True:
            params: dict[str, Any] = {"limit": 500}
            if after:
                params["after"] = after
            r = client.get("/api/v1/alerts", params=params)
            if r.status_code != 200:
                fail(f"reading alerts failed: HTTP {r.status_code} {r.text[:200]}", code=1)
            body = r.json()
            found += [(a["seal_id"], a["rule"]) for a in body["items"] if a["seal_id"] in seals]
            after = body.get("next")
            if not after:
                return found


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
    app.command("score")(score_cmd)
