"""`clearway seals ...`: listen to the broker, simulate journeys, score the detector, sweep for silence."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

import logging
import signal
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearway.cli_common import broker, err, fail, out, sessions

seals_app = typer.Typer(help="Electronic seals: MQTT listener, simulator, scorer.", no_args_is_help=True)




def _economy(value: str | None) -> str:
    from clearway.reference.economies import get

    if not value:
        fail("--economy (or CLEARWAY_ECONOMY) is required: the economy whose journeys this listener serves")
    if get(value) is None:
        fail(f"--economy {value!r} is not an APEC economy code (AU, NZ, TH, ...)")
    return value.upper()


@seals_app.command("listen")
def listen(economy: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_ECONOMY", help=(
               "the economy this installation serves: events about journeys of another economy are refused"))]
           = None,
           mqtt: Annotated[str, typer.Option(envvar="CLEARWAY_MQTT", help="broker HOST:PORT")] = "127.0.0.1:1883",
           prefix: Annotated[str, typer.Option(help="topic prefix: PREFIX/seals/{seal_id}/events")] = "clearway",
           client_id: Annotated[str, typer.Option(help="MQTT client id (the persistent session's name)")] =
           "clearway-seals-listener",
           batch_size: Annotated[int, typer.Option(min=1, max=50_000)] = 5000,
           idle_exit: Annotated[Optional[float], typer.Option(help="stop after this many idle seconds")] = None,
           spool: Annotated[Optional[Path], typer.Option(help=(
               "the local spool file (default: DATA_DIR/seals-spool-CLIENT_ID.db); keep it across restarts"))]
           = None,
           share: Annotated[Optional[str], typer.Option(help=(
               "join this shared-subscription group: run several listeners (each its own --client-id) "
               "and the broker spreads the messages over them"))] = None) -> None:
    """Subscribe to seal events (QoS 1, persistent session) and store them; Ctrl-C or SIGTERM stops."""
    from clearway.containers.mqtt import Listener
    from clearway.flows import seals

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    from clearway.config import get_settings

    host, port = broker(mqtt)
    economy = _economy(economy)
    spool = spool or get_settings().data_dir / f"seals-spool-{client_id}.db"
    listener = Listener(sessions(), ingest=seals.ingest, economy=economy, host=host, port=port, prefix=prefix,
                        client_id=client_id, batch_size=batch_size, spool=spool, share=share)
    signal.signal(signal.SIGTERM, lambda *_: listener.stop())
    err.print(f"listening on {host}:{port} to {prefix}/seals/+/events as {client_id} for {economy}")
    try:
        stats = listener.run(idle_exit=idle_exit)
    except KeyboardInterrupt:
        listener.stop()
        stats = listener.stats
    except OSError as exc:
        fail(f"cannot reach the MQTT broker at {host}:{port}: {exc.strerror or exc}", code=1)
    o = stats.outcome
    out.print(f"{stats.messages} messages: {o.stored} events stored, {o.duplicates} repeats dropped, "
              f"{o.refused} refused, {len(o.alerts)} alerts raised", highlight=False)


@seals_app.command("sweep")
def sweep_cmd() -> None:
    """Raise the gap alert for seals in transit that stopped reporting (run it every few minutes)."""
    from clearway.cli_common import uow
    from clearway.flows.seals import sweep

    with uow() as session:
        raised = sweep(session)
    out.print(f"{len(raised)} alerts raised" + (f": {', '.join(map(str, raised))}" if raised else ""),
              highlight=False)


@seals_app.command("affix")
def affix_cmd(manufacturer: Annotated[str, typer.Option(help="ISO 18185 manufacturer id")],
              serial: Annotated[str, typer.Option(help="the seal's serial number")],
              container: Annotated[str, typer.Option(help="ISO 6346 container number")],
              loading_office: Annotated[str, typer.Option(help="UN/LOCODE of the loading office")],
              destination_office: Annotated[str, typer.Option(help="UN/LOCODE of the destination office")],
              departure: Annotated[str, typer.Option(help="ISO 8601 with a timezone")],
              arrival_from: Annotated[str, typer.Option(help="the arrival window opens (ISO 8601)")],
              arrival_to: Annotated[str, typer.Option(help="the arrival window closes (ISO 8601)")],
              device_key: Annotated[str, typer.Option(envvar="CLEARWAY_DEVICE_KEY", help=(
                  "the seal device's secret, 64 hexadecimal digits: its events must be signed with it"))],
              key: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_API_KEY", help="officer API key")]
              = None) -> None:
    """Affix a seal to a container for one journey, registering its device key (as POST /api/v1/seals)."""
    from pydantic import ValidationError

    from clearway.cli_common import principal_from_key, refusals_exit, uow
    from clearway.containers import service
    from clearway.containers.schemas import SealIn

    who = principal_from_key(key)
    try:
        body = SealIn.model_validate({
            "manufacturer": manufacturer, "serial": serial, "container": container, "loading_office": loading_office,
            "destination_office": destination_office, "departure": departure, "arrival_from": arrival_from,
            "arrival_to": arrival_to, "device_key": device_key})
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"{'.'.join(map(str, first['loc']))}: {first['msg'].removeprefix('Value error, ')}")

    @refusals_exit
    def run() -> dict:
        with uow() as session:
            return service.render(service.affix(session, principal=who, seal=body))

    row = run()
    out.print(f"seal record {row['id']}: {row['seal_id']} affixed to {row['container']} "
              f"({row['loading_office']} to {row['destination_office']}), device key registered", highlight=False)


@seals_app.command("sign")
def sign_cmd(events: Annotated[Path, typer.Argument(help="a JSON file: one event or a list of events")],
             device_key: Annotated[str, typer.Option(envvar="CLEARWAY_DEVICE_KEY", help=(
                 "the device's secret, 64 hexadecimal digits (as registered at affixing)"))]) -> None:
    """Sign events as the seal device would (HMAC-SHA256, docs/seal-device-protocol.md) and print them:
    for gateway integrators and tests, never a substitute for the device's own signature."""
    import json

    from pydantic import ValidationError

    from clearway.containers import signing
    from clearway.containers.schemas import EventIn

    try:
        key = signing.parse_key(device_key)
    except ValueError as exc:
        fail(f"--device-key {exc}")
    try:
        data = json.loads(events.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"{events}: not a readable JSON file ({exc})")
    items = data if isinstance(data, list) else [data]
    signed = []
    for i, item in enumerate(items):
        try:
            parsed = EventIn.model_validate(item)
        except ValidationError as exc:
            fail(f"{events}: event {i} is not a seal event: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}")
        signed.append({**item, "sig": signing.signature(signing.canonical_of(parsed), key)})
    out.print_json(data=signed if isinstance(data, list) else signed[0])


def register(app: typer.Typer) -> None:
    from clearway.containers import cli_sim

    cli_sim.register(seals_app)
    app.add_typer(seals_app, name="seals")
