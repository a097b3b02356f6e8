"""`clearway wco`: push response messages to the declarants' callbacks; check a DEC profile file."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of the HTTP client, lxml and the push flow.

import time
from pathlib import Path
from typing import Annotated

import typer

from clearway.cli_common import fail, out

wco_app = typer.Typer(help="WCO Data Model: response messages pushed to callbacks, DEC profiles.",
                      no_args_is_help=True)


@wco_app.command("push")
def push(every: Annotated[float, typer.Option(min=0, help="repeat every SECONDS (0: once)")] = 0,
         follow: Annotated[bool, typer.Option(
             "--follow", help="keep pushing every CLEARWAY_WCO_PUSH_SECONDS (5 s by default) until stopped")] = False,
         ) -> None:
    """POST each due response message (WCO RES) to its declarant's callback; failures are retried later
    with a doubling wait. Run it once (cron), with --every, or --follow beside a server started with
    CLEARWAY_WCO_PUSH_SECONDS=0 (`clearway serve` pushes by itself otherwise)."""
    import httpx

    from clearway.cli_common import sessions
    from clearway.config import get_settings
    from clearway.flows.wco_pusher import TIMEOUT, Pusher
    from clearway.wco.profile import installed

    settings = get_settings()
    seconds = every or (settings.wco_push_seconds or 5 if follow else 0)
    pusher = Pusher(sessions(), profile=installed(), allowed_hosts=settings.wco_callback_hosts, seconds=seconds)
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        while True:
            done = pusher.tick(client)
            if done is not None:
                out.print(f"{done.scheduled} scheduled, {done.delivered} delivered, {done.failed} failed",
                          highlight=False)
            if not seconds:
                if done is None:
                    fail("pushing the response messages failed (the log above says why)", code=1)
                return
            try:
                time.sleep(seconds)
            except KeyboardInterrupt:
                return


@wco_app.command("profile")
def profile(file: Annotated[Path, typer.Argument(help="a DEC profile (TOML), e.g. a copy of the UK example")]) -> None:
    """Check a DEC profile file: its economy, offices and codes as Clearway reads them."""
    from clearway.reference import economies
    from clearway.wco.profile import ProfileError, load

    try:
        p = load(file)
    except ProfileError as exc:
        fail(str(exc))
    unknown = sorted({code for code in p.offices.values() if (o := economies.office(code)) is None
                      or o.economy != p.economy})
    if p.default_office and p.default_office not in p.offices.values():
        unknown += [p.default_office] if economies.office(p.default_office) is None else []
    if unknown:
        fail(f"{file}: offices that are not offices of {p.economy}: {', '.join(unknown)}")
    out.print(f"{p.name}: economy {p.economy}, {len(p.offices)} offices, {len(p.documents)} document codes, "
              f"{len(p.procedures)} procedure codes, {sum(1 for c in p.responses.values() if c)} response codes",
              highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(wco_app, name="wco")
