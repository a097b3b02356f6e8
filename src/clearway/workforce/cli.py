"""Commands: `clearway workforce load FILE` (head counts per administration and year; format in docs/tfa.md)."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

from typing import Annotated

import typer

from clearway.cli_common import out, read_text, refusals_exit, uow

workforce_app = typer.Typer(help="Women's participation in customs: workforce figures.", no_args_is_help=True)


@workforce_app.command("load")
@refusals_exit
def load(file: Annotated[str, typer.Argument(help="CSV: economy,year,staff,women,... (docs/tfa.md)")]) -> None:
    """Load head counts (one line per administration and year): each line creates or replaces that year.
    A file with any bad line, or counts that do not add up, is refused whole."""
    from clearway.workforce import csvfile, service

    rows = csvfile.read(read_text(file), name=file)
    made = {"created": 0, "changed": 0}
    with uow() as session:
        for _, (economy, year, body) in rows:
            _, created = service.put_metrics(session, principal=None, actor="cli", economy=economy, year=year,
                                             body=body)
            made["created" if created else "changed"] += 1
    out.print(f"{file}: {made['created']} years created, {made['changed']} changed", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(workforce_app, name="workforce")
