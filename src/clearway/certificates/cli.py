"""`clearway nppo ...` (signing keys, trusted NPPO certificates), `clearway hub ...` (the exchange hub)
and `clearway certificates ...` (validate a file, run the exchange with a hub)."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

import errno
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearway.cli_common import err, fail, out, read_text, refusals_exit, sessions, uow

nppo_app = typer.Typer(help="NPPO signing keys and trusted NPPO certificates.", no_args_is_help=True)
nppo_keys = typer.Typer(help="This installation's NPPO signing keys.", no_args_is_help=True)
nppo_trust = typer.Typer(help="Certificates of NPPOs whose signatures this installation accepts.",
                         no_args_is_help=True)
hub_app = typer.Typer(help="The ePhyto exchange hub (IPPC hub interface).", no_args_is_help=True)
certs_app = typer.Typer(help="ePhyto certificates.", no_args_is_help=True)
nppo_app.add_typer(nppo_keys, name="keys")
nppo_app.add_typer(nppo_trust, name="trust")


def register(app: typer.Typer) -> None:
    app.add_typer(nppo_app, name="nppo")
    app.add_typer(hub_app, name="hub")
    app.add_typer(certs_app, name="certificates")


@nppo_keys.command("create")
@refusals_exit
def keys_create(economy: Annotated[str, typer.Option(help="ISO 3166 alpha-2 code of the NPPO's economy")],
                party: Annotated[str, typer.Option(help="the NPPO's party id, e.g. NPPO-TH")],
                days: Annotated[int, typer.Option(help="validity of the X.509 certificate")] = 730,
                organisation: Annotated[Optional[str], typer.Option(help="O= of the certificate")] = None) -> None:
    """Create a signing key and self-signed X.509 certificate; prints the certificate (PEM) to give to
    the other economies' installations."""
    from clearway.certificates import nppo

    with uow() as session:
        row = nppo.create_key(session, economy=economy, party_id=party, days=days, organisation=organisation,
                              actor="cli")
        pem, digest, until = row.cert_pem, row.fingerprint, row.not_after
    err.print(f"NPPO key for {economy.upper()} created: SHA-256 {digest}, valid until {until:%Y-%m-%d}")
    out.line(pem, name="certificate", end="")


@nppo_keys.command("show")
@refusals_exit
def keys_show(economy: Annotated[str, typer.Option()]) -> None:
    """Print the active signing certificate (PEM) of the economy's NPPO."""
    from clearway.certificates import nppo

    with uow() as session:
        pair = nppo.signing_key(session, economy=economy)
    out.line(pair.cert_pem.decode(), name="certificate", end="")


@nppo_trust.command("add")
@refusals_exit
def trust_add(economy: Annotated[str, typer.Option()],
              cert: Annotated[str, typer.Option(help="PEM file of the NPPO's certificate ('-' for stdin)")],
              party: Annotated[Optional[str], typer.Option()] = None) -> None:
    """Trust an NPPO's signing certificate: its signed certificates are accepted on receipt."""
    from clearway.certificates import nppo

    with uow() as session:
        row = nppo.trust(session, economy=economy, party_id=party, cert_pem=read_text(cert), actor="cli")
        out.print(f"trusted {row.subject} for {row.economy} (SHA-256 {row.fingerprint}, until {row.not_after:%Y-%m-%d})")


@certs_app.command("validate")
def validate(path: Annotated[str, typer.Argument(help="an SPSCertificate XML file ('-' for stdin)")]) -> None:
    """Graded findings for a certificate file; exit 1 if any is SEVERE."""
    from clearway.certificates import schema

    data = Path(path).read_bytes() if path != "-" else read_text("-").encode()
    findings, _ = schema.check(data)
    for f in findings:
        out.print(f"{f.level:8} line {f.line or '-':>5}  {f.path or ''}  {f.message}", markup=False, highlight=False)
    if schema.severe(findings):
        raise typer.Exit(1)
    out.print("valid" if not findings else "valid (with the findings above)")


@certs_app.command("exchange")
def exchange(hub: Annotated[str, typer.Option(envvar="CLEARWAY_HUB_URL", help="hub DeliveryService URL")],
             token: Annotated[str, typer.Option(envvar="CLEARWAY_HUB_TOKEN", help="this NPPO's hub token")],
             economy: Annotated[str, typer.Option(help="this installation's economy")],
             loop: Annotated[bool, typer.Option(help="keep exchanging every --interval seconds")] = False,
             interval: Annotated[float, typer.Option()] = 10.0) -> None:
    """Send pending certificates to the hub, track them, pull and acknowledge import envelopes."""
    from clearway.certificates.hub_client import HubClient
    from clearway.flows.hub_exchange import run_once

    factory = sessions()
    with HubClient(hub, token) as client:
        while True:
            report = run_once(factory, client, economy=economy.upper())
            out.print_json(data=report)
            if not loop:
                return
            time.sleep(interval)


def _bind(host: str, port: int):  # noqa: ANN202
    """A listening socket on host:port, or exit 2 with one line (port taken, host unknown)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        fail(f"host: cannot listen on {host!r}: {getattr(exc, 'strerror', None) or exc}")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait for TIME_WAIT
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "is taken by another program" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
        fail(f"port: {host}:{port} {reason}; choose another with --port")
    return sock


@hub_app.command("serve")
def hub_serve(host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8900,
              database: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_HUB_DATABASE_URL",
                                                              help="the hub's own database")] = None) -> None:
    """Serve the hub's DeliveryService (SOAP 1.1 over HTTP, as the IPPC ePhyto hub WSDL describes)."""
    import uvicorn

    from clearway.certificates.hub_server import create_hub_app

    sock = _bind(host, port)  # before anything else: a taken port is told at once, with nothing started
    app = create_hub_app(database)
    shown = f"[{host}]" if ":" in host else host

    class Announcing(uvicorn.Server):
        async def startup(self, sockets=None) -> None:  # noqa: ANN001
            await super().startup(sockets=sockets)
            if self.started:  # said only once the server accepts requests
                err.print(f"ePhyto hub listening on http://{shown}:{port}/hub/DeliveryService  (WSDL: ?wsdl)",
                          markup=False, highlight=False, soft_wrap=True)

    Announcing(uvicorn.Config(app, log_level="warning", lifespan="off")).run(sockets=[sock])


@hub_app.command("add-nppo")
@refusals_exit
def hub_add(country: Annotated[str, typer.Option(help="the NPPO's economy")],
            database: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_HUB_DATABASE_URL")] = None) -> None:
    """Register an NPPO with the hub; prints its token alone on stdout (it is not shown again)."""
    from clearway.certificates import hub_store

    try:
        token = hub_store.add_nppo(hub_store.sessions(database), country=country)
    except ValueError as exc:
        fail(str(exc))
    out.line(token, name="token")
