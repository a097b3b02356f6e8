"""`clearway keys ...`: create, list and revoke API keys. These act on the configured database
directly (CLEARWAY_DATABASE_URL, else the SQLite file under the data directory): there is no
--url, keys are made and revoked where the database is."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

import json
from typing import Annotated, Optional

import typer

from clearway.cli_common import out, refusals_exit, uow

WHERE = ("Acts on the configured database (CLEARWAY_DATABASE_URL, else the SQLite file under "
         "CLEARWAY_DATA_DIR); it has no --url.")

keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)


@keys_app.command("create", help="Create an API key and print it alone on stdout; it is not shown again. " + WHERE)
@refusals_exit
def create(role: Annotated[str, typer.Option(metavar="ROLE", help="declarant, officer, admin or nppo")],
           economy: Annotated[str, typer.Option(metavar="CODE", help="ISO 3166 alpha-2 code of the economy")],
           party: Annotated[Optional[str], typer.Option(metavar="ID",
                                                        help="party id a declarant or nppo key acts for")] = None,
           label: Annotated[Optional[str], typer.Option(metavar="TEXT",
                                                        help="a note to tell keys apart in `keys list`")] = None) -> None:
    from clearway.auth.service import create_key

    with uow() as session:
        key, _ = create_key(session, role=role, economy=economy, party_id=party, label=label, actor="cli")
    out.line(key, name="key")


def _when(value) -> str:  # noqa: ANN001 - an aware datetime or None
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


@keys_app.command("list", help="List API keys: id, role, economy, party, label, created and revoked (UTC). "
                               "Secrets are never shown: only their hash is stored. " + WHERE)
def list_(active: Annotated[bool, typer.Option("--active", help="only keys not revoked")] = False,
          as_json: Annotated[bool, typer.Option("--json", help="one JSON array on stdout")] = False) -> None:
    from rich.table import Table

    from clearway.auth.service import list_keys

    with uow() as session:
        rows = [{"id": r.id, "role": r.role, "economy": r.economy, "party": r.party_id, "label": r.label,
                 "created": r.created_at, "revoked": r.revoked_at}
                for r in list_keys(session, include_revoked=not active)]
    if as_json:
        print(json.dumps([{**r, "created": r["created"].isoformat(),
                           "revoked": r["revoked"].isoformat() if r["revoked"] else None} for r in rows]))
        return
    table = Table("id", "role", "economy", "party", "label", "created (UTC)", "revoked (UTC)")
    for r in rows:
        table.add_row(str(r["id"]), r["role"], r["economy"], r["party"] or "", r["label"] or "", _when(r["created"]),
                      _when(r["revoked"]))
    out.print(table)


@keys_app.command("revoke", help="Revoke an API key by its id (see `keys list`): from then on it gets 401. "
                                 "Running servers remember a key they saw for up to 60 s. " + WHERE)
@refusals_exit
def revoke(key_id: Annotated[int, typer.Argument(metavar="ID", help="the key's id, from `clearway keys list`")]) -> None:
    from clearway.auth.service import revoke_key

    with uow() as session:
        row = revoke_key(session, key_id=key_id, actor="cli")
        line = f"key {row.id} ({row.role} {row.economy}{' ' + row.party_id if row.party_id else ''}) revoked"
    out.print(line, highlight=False)


users_app = typer.Typer(help="People who sign in to the pages: create, list, disable.", no_args_is_help=True)


@users_app.command("create", help="Create a user who signs in at /login. The password is asked for (hidden) "
                                  "unless --password-stdin reads it from the first line of stdin. " + WHERE)
@refusals_exit
def create_user(username: Annotated[str, typer.Argument(metavar="USERNAME", help="lower-case letters, digits, . _ -")],
                role: Annotated[str, typer.Option(metavar="ROLE", help="declarant, officer, admin or nppo")],
                economy: Annotated[str, typer.Option(metavar="CODE", help="ISO 3166 alpha-2 code of the economy")],
                party: Annotated[Optional[str], typer.Option(metavar="ID",
                                                             help="party id a declarant or nppo acts for")] = None,
                name: Annotated[Optional[str], typer.Option(metavar="TEXT", help="the person's full name")] = None,
                language: Annotated[Optional[str], typer.Option(metavar="LANG", help="en or es; default: the "
                                                                                      "browser's")] = None,
                password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                             help="read the password from stdin")] = False) -> None:
    import sys

    from clearway.auth.users import create_user as create

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password (at least 15 characters)", hide_input=True, confirmation_prompt=True)
    with uow() as session:
        row = create(session, username=username, password=password, role=role, economy=economy, party_id=party,
                     full_name=name, language=language, actor="cli")
        line = f"user {row.username} ({row.role} {row.economy}{' ' + row.party_id if row.party_id else ''}) created"
    out.print(line, highlight=False)


@users_app.command("list", help="List users: name, role, economy, party, created and disabled (UTC). " + WHERE)
def list_users(as_json: Annotated[bool, typer.Option("--json", help="one JSON array on stdout")] = False) -> None:
    from rich.table import Table

    from clearway.auth.users import list_users as listed

    with uow() as session:
        rows = [{"username": r.username, "role": r.role, "economy": r.economy, "party": r.party_id,
                 "name": r.full_name, "created": r.created_at, "disabled": r.disabled_at} for r in listed(session)]
    if as_json:
        print(json.dumps([{**r, "created": r["created"].isoformat(),
                           "disabled": r["disabled"].isoformat() if r["disabled"] else None} for r in rows]))
        return
    table = Table("user", "role", "economy", "party", "name", "created (UTC)", "disabled (UTC)")
    for r in rows:
        table.add_row(r["username"], r["role"], r["economy"], r["party"] or "", r["name"] or "", _when(r["created"]),
                      _when(r["disabled"]))
    out.print(table)


@users_app.command("disable", help="Disable a user: they cannot sign in, and their open sessions end. " + WHERE)
@refusals_exit
def disable_user(username: Annotated[str, typer.Argument(metavar="USERNAME")]) -> None:
    from clearway.auth.users import disable_user as disable

    with uow() as session:
        row = disable(session, username=username, actor="cli")
        line = f"user {row.username} disabled"
    out.print(line, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.add_typer(users_app, name="users")
