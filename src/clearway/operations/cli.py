"""`clearway backup FILE`, `clearway restore FILE` and `clearway secret-key`."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

from pathlib import Path
from typing import Annotated

import typer

from clearway.cli_common import err, fail, out, refusals_exit


@refusals_exit
def backup(file: Annotated[Path, typer.Argument(metavar="FILE", help="where to write the copy")]) -> None:
    """Copy the embedded SQLite database to FILE while it runs (SQLite's online backup), readable by its
    owner only. For PostgreSQL it names pg_dump and exits 2."""
    from clearway.config import get_settings
    from clearway.operations import backup as ops

    try:
        copied = ops.backup(get_settings().database_url, file)
    except ops.UseNativeTools as exc:
        fail(str(exc))
    rows = sum(copied.tables.values())
    out.print(f"backed up to {copied.path}: {copied.pages} pages, {len(copied.tables)} tables, {rows} rows",
              highlight=False, soft_wrap=True)


@refusals_exit
def restore(file: Annotated[Path, typer.Argument(metavar="FILE", help="a backup made by `clearway backup`")]) -> None:
    """Replace the embedded SQLite database with the backup in FILE (checked first), then verify the audit
    chain. Stop the server before, start it after. For PostgreSQL it names pg_restore and exits 2."""
    from clearway.audit.service import verify_chain
    from clearway.cli_common import uow
    from clearway.config import get_settings
    from clearway.operations import backup as ops

    try:
        copied = ops.restore(get_settings().database_url, file)
    except ops.UseNativeTools as exc:
        fail(str(exc))
    with uow() as session:  # also brings a backup from an older release to the latest schema
        count, broken = verify_chain(session)
    if broken:
        err.print(f"restored, but the audit chain is BROKEN at event {broken[0]}: {broken[1]}")
        raise typer.Exit(1)
    out.print(f"restored {copied.path} from {file}: {len(copied.tables)} tables, "
              f"{sum(copied.tables.values())} rows; audit chain intact: {count} events", highlight=False,
              soft_wrap=True)


def secret_key() -> None:
    """Print a new key for CLEARWAY_SECRET_KEY (it encrypts NPPO private keys at rest)."""
    from clearway.keyring import new_key

    out.line(new_key(), name="key")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("secret-key")(secret_key)
