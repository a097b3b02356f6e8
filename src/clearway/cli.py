"""The `clearway` command line. Thin: parse, call one service, print.

Domain packages add their own commands: a module clearway.<domain>.cli with register(app)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Annotated, Optional

import typer

import clearway
from clearway.cli_common import err, fail, out, refusals_exit, sessions, uow

app = typer.Typer(help="Clearway: paperless customs clearance for APEC economies.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
hs_app = typer.Typer(help="HS 2022 nomenclature.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(hs_app, name="hs")
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")


@app.command()
def serve(host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8000,
          workers: Annotated[int, typer.Option(help="processes (PostgreSQL only)")] = 1) -> None:
    """Bring the database to the latest schema, then serve the API and pages."""
    import uvicorn

    from clearway.config import get_settings

    settings = get_settings()
    sessions()  # migrates
    err.print(f"Clearway on http://{host}:{port}/  (API docs: /docs)  database: {_safe(settings.database_url)}")
    if workers > 1:
        uvicorn.run("clearway.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="warning")
    else:
        from clearway.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the latest schema."""
    sessions()
    out.print("database is at the latest schema")


@keys_app.command("create")
@refusals_exit
def keys_create(role: Annotated[str, typer.Option(help="declarant, officer, admin or nppo")],
                economy: Annotated[str, typer.Option(help="ISO 3166 alpha-2 code of the economy")],
                party: Annotated[Optional[str], typer.Option(help="party id a declarant/nppo acts for")] = None,
                label: Annotated[Optional[str], typer.Option()] = None) -> None:
    """Create an API key; prints the key alone on stdout (it is not shown again)."""
    from clearway.auth.service import KeyError_, create_key

    try:
        with uow() as session:
            key, _ = create_key(session, role=role, economy=economy, party_id=party, label=label, actor="cli")
    except KeyError_ as exc:
        fail(str(exc))
    print(key)


@hs_app.command("search")
def hs_search(words: Annotated[str, typer.Argument(help="e.g. 'fresh oranges'")],
              limit: Annotated[int, typer.Option()] = 10) -> None:
    """Find HS 2022 subheadings by words."""
    from rich.table import Table

    from clearway.reference.hs import nomenclature

    results = nomenclature().search(words, limit)
    if not results:
        fail(f"no HS 2022 subheading matches {words!r}", code=1)
    table = Table("code", "description", "score")
    for e, score in results:
        table.add_row(e.code, e.description, f"{score:.2f}")
    out.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain; exits 1 naming the first bad event."""
    from clearway.audit.service import verify_chain

    with uow() as session:
        count, broken = verify_chain(session)
    if broken:
        err.print(f"audit chain BROKEN at event {broken[0]}: {broken[1]} ({count} events read)")
        raise typer.Exit(1)
    out.print(f"audit chain intact: {count} events")


@demo_app.command("load")
def demo_load(declarations: Annotated[int, typer.Option(help="how many demo declarations")] = 300,
              keys_file: Annotated[Optional[Path], typer.Option(help="where to write the demo keys (JSON)")] = None) -> None:
    """Load demo keys and declarations into the configured database (idempotent per run)."""
    from clearway.demo import load

    summary = load(sessions(), declarations=declarations, keys_file=keys_file)
    out.print_json(data=summary)


@demo_app.command("tariffs")
def demo_tariffs(economy: Annotated[Optional[list[str]], typer.Option(help="only these economies (default: all "
                                                                      "shipped)")] = None) -> None:
    """Load the whole tariff schedules shipped with Clearway (AU, JP, NZ, US) into the configured database."""
    import time

    from clearway.tariff.importers import shipped

    for eco in [e.upper() for e in economy] if economy else shipped.economies():
        started = time.perf_counter()
        with uow() as session:
            done = shipped.load(session, economy=eco)
        out.print(f"{eco}: {done['measures']} measures loaded in {time.perf_counter() - started:.1f} s", highlight=False)


def _register_domains() -> None:
    for mod in pkgutil.iter_modules(clearway.__path__):
        if not mod.ispkg:
            continue
        try:
            module = importlib.import_module(f"clearway.{mod.name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name == f"clearway.{mod.name}.cli":
                continue
            raise
        module.register(app)


_register_domains()


def main() -> None:
    app()
