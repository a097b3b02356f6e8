"""`clearway dashboard ...`: enter an indicator Clearway cannot compute (with its source and date), read
its history, publish this installation's aggregate figures to a regional installation."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of polars, the flows and the HTTP client.

import json
from typing import Annotated, Optional

import typer

from clearway.cli_common import fail, out, refusals_exit

dashboard_app = typer.Typer(help="Border Management Dashboard: entered indicators, regional publishing.",
                            no_args_is_help=True)
Key = Annotated[Optional[str], typer.Option("--key", envvar="CLEARWAY_API_KEY", help="an admin API key")]


@dashboard_app.command("enter")
@refusals_exit
def enter(name: Annotated[str, typer.Argument(help="indicator key, e.g. paperless_declarations_share")],
          value: Annotated[str, typer.Option(help='the figure or answer, e.g. "97.5" or "yes"')],
          unit: Annotated[str, typer.Option(help='e.g. "%", "yes/no", "agencies"')],
          source: Annotated[str, typer.Option(help="where the figure comes from")],
          as_of: Annotated[str, typer.Option("--as-of", help="the date it describes, YYYY-MM-DD")],
          key: Key = None,
          economy: Annotated[Optional[str], typer.Option(help="default: the key's economy")] = None,
          pillar: Annotated[Optional[str], typer.Option(help="for a new key: policy, technology, industry, "
                                                             "covid")] = None,
          title: Annotated[Optional[str], typer.Option(help="for a new key")] = None) -> None:
    """Set an entered indicator; every change is kept with who and when."""
    from pydantic import ValidationError

    from clearway.cli_common import principal_from_key, uow
    from clearway.dashboard import service
    from clearway.dashboard.schemas import EnteredIn

    who = principal_from_key(key)
    try:
        body = EnteredIn(value=value, unit=unit, source=source, as_of=as_of, economy=economy, pillar=pillar,
                         title=title)
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg']}")
    with uow() as session:
        row, changed = service.enter(session, principal=who, key=name, body=body)
        line = f"{row.economy}/{row.key} = {row.value} {row.unit} (as of {row.as_of})"
    out.print(("set " if changed else "unchanged ") + line, highlight=False)


@dashboard_app.command("history")
@refusals_exit
def history(name: Annotated[str, typer.Argument(help="indicator key")], key: Key = None,
            economy: Annotated[Optional[str], typer.Option(help="default: the key's economy")] = None) -> None:
    """Every change of an entered indicator, oldest first."""
    from clearway.cli_common import principal_from_key, uow
    from clearway.dashboard import service

    who = principal_from_key(key)
    with uow() as session:
        for c in service.history(session, principal=who, economy=(economy or who.economy).upper(), key=name):
            out.print(f"{c.changed_at:%Y-%m-%d %H:%M} {c.actor}: {c.value} {c.unit} (as of {c.as_of}; {c.source})",
                      highlight=False, markup=False)


@dashboard_app.command("publish")
@refusals_exit
def publish(to: Annotated[str, typer.Option("--to", help="the regional installation's URL")],
            economy: Annotated[str, typer.Option(help="the economy whose figures are published")],
            token: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_REGION_KEY",
                                                         help="admin key the regional installation issued")] = None,
            period: Annotated[Optional[str], typer.Option(help="YYYY-MM (default: this month)")] = None) -> None:
    """Publish this installation's computed indicators, workforce shares and TFA implementation rates
    (aggregates only) for one period. Publishing the same
    period again replaces that period's figures there; the same figures again change nothing."""
    from clearway.cli_common import uow
    from clearway.dashboard import publishing
    from clearway.db import utcnow
    from clearway.flows import regional_publication

    if not token:
        fail("--token is required (or set CLEARWAY_REGION_KEY)")
    if not to.startswith(("http://", "https://")):
        fail(f"--to: {to!r} is not an http(s) URL")
    with uow() as session:  # figures first; the network call runs with no transaction open
        found = regional_publication.figures(session, economy=economy.upper())
    answer = publishing.send(to, token, publishing.payload(found, economy=economy.upper(),
                                                               period=period or f"{utcnow():%Y-%m}"))
    out.print(json.dumps(answer), highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(dashboard_app, name="dashboard")
