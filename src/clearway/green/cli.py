"""Commands: `clearway green tariff-check ECONOMY` (the 5% commitment on the APEC List of Environmental Goods),
`clearway green editions`, `clearway green load FILE` (a new edition of the list)."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

import json
from datetime import date
from typing import Annotated, Optional

import typer

from clearway.cli_common import out, read_text, refusals_exit, uow

green_app = typer.Typer(help="APEC's environmental goods: the tariff commitment check, the list's editions.",
                        no_args_is_help=True)


@green_app.command("tariff-check")
@refusals_exit
def tariff_check(economy: Annotated[str, typer.Argument(help="APEC economy, e.g. JP")],
                 on: Annotated[Optional[str], typer.Option("--date", help="YYYY-MM-DD (default today)")] = None,
                 as_json: Annotated[bool, typer.Option("--json", help="the API's JSON answer")] = False) -> None:
    """Each listed subheading's applied MFN rates against the 5% cap; lines above it named; each preference."""
    from rich.table import Table

    from clearway.cli_common import fail
    from clearway.db import utcnow
    from clearway.flows import green_check
    from clearway.green import render

    try:
        day = date.fromisoformat(on) if on else utcnow().date()
    except ValueError:
        fail(f"--date: {on!r} is not a date (YYYY-MM-DD)")
    with uow() as session:
        result = render.tariff_check(green_check.tariff_check(session, economy=economy, on=day))
    if as_json:
        out.print_json(json.dumps(result.model_dump(mode="json")))
        return
    c = result.counts
    out.print(f"{result.economy} on {result.date}, {result.schedule} ({result.currency}); {result.edition}",
              highlight=False, soft_wrap=True)
    out.print(f"{len(result.subheadings)} listed subheadings: {c['within']} within {result.cap_percent}%, "
              f"{c['above']} above, {c['not_comparable']} not comparable (specific rates without declared unit "
              f"values), {c['not_in_schedule']} not in the schedule", highlight=False, soft_wrap=True)
    table = Table("subheading", "status", "highest AVE %", "lines above the cap", box=None)
    for s in result.subheadings:
        above = ", ".join(f"{r.national_line} {r.rate}" for r in s.mfn if r.above_cap)
        table.add_row(s.subheading + (" (ex)" if s.partial else ""), s.status,
                      "" if s.max_ad_valorem_equivalent is None else str(s.max_ad_valorem_equivalent), above)
    out.print(table, soft_wrap=True)
    for agreement, counts in result.preference_counts.items():
        out.print(f"preference {agreement}: {counts['within']} within, {counts['above']} above, "
                  f"{counts['not_comparable']} not comparable", highlight=False, soft_wrap=True)


@green_app.command("editions")
def editions() -> None:
    """The editions of the list, newest first (the first is in force)."""
    from clearway.green import service

    with uow() as session:
        for e in service.editions(session):
            out.print(f"{e['name']}: {e['subheadings']} subheadings; {e['reason']}"
                      + (f" (loaded {e['loaded_at']:%Y-%m-%d %H:%M} UTC by {e['actor']})" if e["loaded_at"] else ""),
                      highlight=False, soft_wrap=True)


@green_app.command("load")
@refusals_exit
def load(file: Annotated[str, typer.Argument(help="CSV: hs2022, description[, hs2012, notes]")],
         name: Annotated[str, typer.Option(help="the edition's name")],
         reason: Annotated[str, typer.Option(help="where the edition comes from")]) -> None:
    """Put a new edition of the environmental goods list in force. A file with any bad line is refused whole."""
    from clearway.green import service

    with uow() as session:
        row = service.load(session, principal=None, actor="cli", name=name, text=read_text(file), reason=reason)
        out.print(f"{row.name}: {row.subheadings} subheadings in force", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(green_app, name="green")
