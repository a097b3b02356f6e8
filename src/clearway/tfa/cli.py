"""Commands: `clearway tfa load FILE` (commitments), `clearway tfa projects FILE` (capacity-building projects).
The CSV formats are in docs/tfa.md."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

from typing import Annotated

import typer

from clearway.cli_common import out, read_text, refusals_exit, uow

tfa_app = typer.Typer(help="WTO Trade Facilitation Agreement stock-take.", no_args_is_help=True)


@tfa_app.command("load")
@refusals_exit
def load(file: Annotated[str, typer.Argument(help="commitments CSV: economy,measure,category,... (docs/tfa.md)")]
         ) -> None:
    """Load commitments (one line per economy and measure): each line creates or replaces that entry, every
    change kept with who and when. A file with any bad line is refused whole, naming the line and field."""
    from clearway.tfa import csvfile, service

    rows = csvfile.read(read_text(file), name=file)
    with uow() as session:
        counts = service.load(session, rows=[r for _, r in rows], actor="cli")
    out.print(f"{file}: {counts['created']} commitments created, {counts['changed']} changed", highlight=False)


@tfa_app.command("projects")
@refusals_exit
def projects(file: Annotated[str, typer.Argument(help="projects CSV: code,title,donor,measures,... (docs/tfa.md)")]
             ) -> None:
    """Load capacity-building projects (one line per project code): each line creates or replaces it."""
    from clearway.tfa import csvfile, service

    rows = csvfile.read_projects(read_text(file), name=file)
    made = {"created": 0, "changed": 0}
    with uow() as session:
        for _, (code, body) in rows:
            _, created = service.put_project(session, principal=None, actor="cli", code=code, body=body)
            made["created" if created else "changed"] += 1
    out.print(f"{file}: {made['created']} projects created, {made['changed']} changed", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(tfa_app, name="tfa")
