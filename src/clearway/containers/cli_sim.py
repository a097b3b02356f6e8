"""`clearway seals simulate` and `clearway seals score`."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of polars, the HTTP client and the simulator.

import json
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from clearway.cli_common import broker as cli_broker
from clearway.cli_common import fail, out, principal_from_key, sessions


def simulate(journeys_: Annotated[int, typer.Option("--journeys", min=1, max=100_000, help="how many journeys")],
             truth: Annotated[Path, typer.Option(help="write the ground truth (JSON) here")],
             tamper_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="share of tampered journeys")] = 0.2,
             fault_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="share with device faults")] = 0.3,
             reuse_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help=(
                 "share whose device comes straight from an earlier journey (its reports still in the stream)"))]
             = 0.0,
             events: Annotated[Optional[Path], typer.Option(help=(
                 "also write the event stream here (JSON lines, in the order sent); the truth stays apart"))]
             = None,
             url: Annotated[Optional[str], typer.Option(help="send over HTTP to this Clearway")] = None,
             key: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_API_KEY", help="officer API key")] = None,
             mqtt: Annotated[Optional[str], typer.Option(help="publish events to this broker HOST:PORT")] = None,
             prefix: Annotated[str, typer.Option(help="MQTT topic prefix")] = "clearway",
             per_message: Annotated[int, typer.Option(min=1, max=5000, help="events per MQTT message")] = 1,
             seed: Annotated[int, typer.Option()] = 1,
             economy: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_ECONOMY", help=(
                 "journeys from or to this economy's offices, sealed by it: the key's economy with --url, the "
                 "listener's with --mqtt (required with either); locally, by default every route"))] = None) -> None:
    """Publish journeys on real roads (the route library), honest or attacked (over and just under each
    threshold), with device and network faults, and write the truth apart from the event stream.

    Seals are affixed over --url (with --key), else in the local database; events go to --mqtt, else --url,
    else straight into the local database."""
    from clearway.containers import simulate as sim
    from clearway.flows import seals
    from clearway.reference.economies import get

    if url and not key:
        fail("--key is required with --url (an officer key)")
    if (url or mqtt) and not economy:
        fail("--economy is required with --url or --mqtt: journeys are accepted only within the economy of "
             "the key or listener")
    if economy and get(economy) is None:
        fail(f"--economy {economy!r} is not an APEC economy code (AU, NZ, TH, ...)")
    broker = cli_broker(mqtt) if mqtt else None
    who = principal_from_key(key) if key and not url else None  # affixed locally with this key
    economy = (economy or (who.economy if who else "")).upper() or None
    fleet = sim.prepare(journeys_=journeys_, tamper_rate=tamper_rate, fault_rate=fault_rate, seed=seed,
                        economy=economy, start=time.time() - 3 * 24 * 3600, reuse_rate=reuse_rate)
    truth.write_text(json.dumps(fleet.truth, indent=1))
    if events is not None:
        events.write_text("".join(json.dumps(e) + "\n" for e in fleet.events))
    try:
        done = sim.run(fleet, sessions=sessions, ingest=seals.ingest, url=url, key=key, principal=who, economy=economy, broker=broker,
                       prefix=prefix, per_message=per_message)
    except sim.Refused as exc:
        fail(str(exc), code=1)
    if done.stored is None:
        out.print(f"{done.journeys} journeys, {done.events} events published to {mqtt} under {prefix}/seals/ "
                  f"in {done.seconds:.1f} s; truth in {truth}", highlight=False)
    else:
        out.print(f"{done.journeys} journeys, {done.events} events sent, {done.stored} stored, {done.alerts} alerts "
                  f"raised in {done.seconds:.1f} s", highlight=False)


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

    ev = result["evasive"]
    out.print(f"{result['journeys']} journeys, {result['tampered']} tampered, {result['flagged']} flagged: "
              f"precision {result['precision']}, recall {result['recall']}; honest journeys alerted "
              f"{result['honest_alerted']}; attacks sized under every threshold flagged {ev['flagged']} of "
              f"{ev['journeys']}", highlight=False)
    table = Table("rule", "precision", "recall", "tp", "fp", "fn")
    for rule, m in result["per_rule"].items():
        table.add_row(rule, str(m["precision"]), str(m["recall"]), str(m["tp"]), str(m["fp"]), str(m["fn"]))
    out.print(table)
    kinds = Table("attack", "journeys", "flagged", "share")
    for kind, k in result["per_kind"].items():
        kinds.add_row(kind, str(k["journeys"]), str(k["flagged"]), str(k["share_flagged"]))
    out.print(kinds)


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


def routes_cmd(as_json: Annotated[bool, typer.Option("--json", help="print JSON (GeoJSON lines)")] = False) -> None:
    """The route library: named routes to give at affixing (route_name), with their class and places."""
    from clearway.containers import routes

    lib = routes.library()
    if as_json:
        print(json.dumps([{"name": r.name, "title": r.title, "class": r.route_class, "from": r.loading_office,
                           "to": r.destination_office, "line": routes.geojson_line(r.points),
                           "places": list(r.places)} for r in lib.values()], indent=1))
        return
    for r in lib.values():
        places = ", ".join(f"{p['name']} ({p['kind']}, {p['radius_km']:g} km)" for p in r.places)
        out.print(f"{r.name}: {r.loading_office} -> {r.destination_office}, {r.route_class}, "
                  f"{routes.Route(r.points).length_km:.0f} km; {places}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
    app.command("score")(score_cmd)
    app.command("routes")(routes_cmd)
