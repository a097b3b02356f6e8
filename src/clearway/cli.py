"""The `clearway` command line. Thin: parse, call one service, print.

Domain packages add their own commands: a module clearway.<domain>.cli with register(app)."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

import functools
import importlib
import pkgutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

import clearway
from clearway.cli_common import err, fail, out, sessions, uow

if TYPE_CHECKING:
    from clearway.config import Settings
    from clearway.flows.wco_pusher import Pusher

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False, rich_markup_mode=None)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
hs_app = typer.Typer(help="HS 2022 nomenclature.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log (sealed in signed blocks).", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(hs_app, name="hs")
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")


def _version(value: bool) -> None:
    if value:
        print(f"clearway {clearway.__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version,
                                               help="Print the version and exit.")] = False) -> None:
    """Clearway: paperless customs clearance for APEC economies."""
    from clearway.config import SettingsError, get_settings

    try:  # every CLEARWAY_* variable is checked before any command runs
        get_settings()
    except SettingsError as exc:
        fail(str(exc))


@app.command()
def serve(host: Annotated[str, typer.Option(metavar="ADDRESS", help="interface to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(metavar="PORT")] = 8000,
          workers: Annotated[int, typer.Option(metavar="N", help="processes (PostgreSQL only)")] = 1,
          log_level: Annotated[str, typer.Option(metavar="LEVEL", help="debug, info, warning or error")] = "info",
          access_log: Annotated[bool, typer.Option(help="log one line per request")] = True,
          log_format: Annotated[str, typer.Option(metavar="FORMAT", envvar="CLEARWAY_LOG_FORMAT",
                                                  help="json (one object a line) or text")] = "json",
          access_log_file: Annotated[Optional[Path], typer.Option(
              metavar="FILE", help="append the access log to this file (default: stderr)")] = None,
          error_log_file: Annotated[Optional[Path], typer.Option(
              metavar="FILE", help="append the error log to this file (default: stderr)")] = None) -> None:
    """Bring the database to the latest schema, then serve the API and pages, logging each request
    (access log) and every error with its traceback (error log)."""
    import uvicorn

    from clearway import logs
    from clearway.config import get_settings

    if log_level not in logs.LEVELS:
        fail(f"--log-level: {log_level!r} is not one of {', '.join(logs.LEVELS)}")
    if log_format not in logs.FORMATS:
        fail(f"--log-format: {log_format!r} is not one of {', '.join(logs.FORMATS)}")
    for name, path in (("--access-log-file", access_log_file), ("--error-log-file", error_log_file)):
        if path is not None:  # refused now, in one line, rather than by a traceback from the logging setup
            try:
                path.open("a").close()
            except OSError as exc:
                fail(f"{name}: {path}: {exc.strerror}")
    access_log_file = access_log_file.resolve() if access_log_file else None  # the same file in every worker
    error_log_file = error_log_file.resolve() if error_log_file else None
    log_config = logs.config(level=log_level, access=access_log, access_file=access_log_file,
                             error_file=error_log_file, fmt=log_format)
    settings = get_settings()
    sessions()  # migrates
    err.print(f"Clearway on http://{host}:{port}/  (API docs: /docs)  database: {_safe(settings.database_url)}",
              highlight=False, soft_wrap=True)
    from clearway.nodelay import NoDelayHTTP

    options = {"host": host, "port": port, "log_config": log_config, "log_level": log_level,
               "access_log": access_log, "http": NoDelayHTTP}  # (answers without Nagle's delay: nodelay.py)
    pusher = _wco_pusher(settings)  # one per `clearway serve`, in this process, whatever the number of workers
    try:
        if workers > 1:
            logs.share_metrics()  # before the workers start: they count into the same directory
            uvicorn.run("clearway.app:create_served_app", factory=True, workers=workers, **options)
        else:
            from clearway.app import create_app

            uvicorn.run(create_app(settings, warm=True, served=True), **options)
    finally:
        if pusher is not None:
            pusher.stop()


def _wco_pusher(settings: Settings) -> Pusher | None:
    """The background worker pushing WCO response messages to callbacks (docs/wco.md), started; None when
    CLEARWAY_WCO_PUSH_SECONDS is 0."""
    if not settings.wco_push_seconds:
        return None
    from clearway.flows.wco_pusher import Pusher
    from clearway.wco.profile import installed

    pusher = Pusher(sessions(), profile=installed(), allowed_hosts=settings.wco_callback_hosts,
                    seconds=settings.wco_push_seconds)
    pusher.start()
    return pusher


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the latest schema."""
    sessions()
    out.print("database is at the latest schema")


@db_app.command("detach-month")
def db_detach_month(month: Annotated[str, typer.Argument(metavar="YYYY-MM", help="a month before the current one")]) -> None:
    """Take the declarations lodged in MONTH out of the live tables (PostgreSQL): their monthly partitions are
    detached and every row that refers to them moved to tables named after the month, for pg_dump to archive and
    DROP TABLE to remove (docs/scaling.md). Nothing is deleted unarchived."""
    import re

    from rich.table import Table

    from clearway import partitions
    from clearway.db import utcnow
    from clearway.declarations.partitions import DECLARATIONS, detach

    found = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not found or not 1 <= int(found.group(2)) <= 12:
        fail(f"month: {month!r} is not a month written YYYY-MM")
    chosen = partitions.Month(int(found.group(1)), int(found.group(2)))
    if chosen.start >= partitions.Month.of(utcnow()).start:
        fail(f"month: {month} is not over yet: only a month before the current one is detached")
    with uow() as session:
        conn = session.connection()
        if not partitions.partitioned(conn, DECLARATIONS):
            out.print("the declarations are one table here (SQLite): nothing to detach")
            return
        tables = detach(conn, chosen)
        table = Table("table", "rows")
        for name, count in tables:
            table.add_row(name, str(count))
    out.print(table)
    out.print(f"archive them with pg_dump {' '.join(f'-t {name}' for name, _ in tables)}, then DROP TABLE each")


@hs_app.command("search")
def hs_search(words: Annotated[str, typer.Argument(help="e.g. 'fresh oranges'")],
              limit: Annotated[int, typer.Option()] = 10) -> None:
    """Find HS 2022 subheadings by words."""
    from rich.table import Table

    from clearway.reference.hs import nomenclature

    n = nomenclature()
    results = n.search(words, limit)
    if not results:
        fail(f"no HS 2022 subheading matches {words!r}", code=1)
    table = Table("code", "description", "score", "names")  # names: the trade names that share the search's words
    names = n.names_matching(words, [e.code for e, _ in results])
    for e, score in results:
        table.add_row(e.code, e.description, f"{score:.2f}", "; ".join(names[e.code]))
    out.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log (sealed blocks, their signatures by CLEARWAY_AUDIT_KEY, and every event); exits 1
    naming the first altered, removed or inserted event."""
    from clearway.audit.service import verify

    key = _audit_key()
    with uow() as session:
        report = verify(session, public=key.public_key() if key else None)
    count = report.checked + report.unsealed
    if report.broken:
        err.print(f"audit chain BROKEN at event {report.broken[0]}: {report.broken[1]} ({count} events read)")
        raise typer.Exit(1)
    signed = "signed checkpoints verified" if key else "checkpoints NOT signed (no CLEARWAY_AUDIT_KEY)"
    out.print(f"audit chain intact: {count} events ({report.checked} sealed in {report.blocks} blocks, "
              f"{report.unsealed} not sealed yet; {signed})")


@audit_app.command("seal")
def audit_seal() -> None:
    """Seal the committed events not yet sealed into signed blocks (the server does this every second)."""
    from clearway.audit.service import seal_all

    key = _audit_key()
    with uow() as session:
        blocks = seal_all(session, key=key)
    out.print(f"{blocks} block(s) sealed")


@audit_app.command("partitions")
def audit_partitions(ahead: Annotated[int, typer.Option(
        min=0, max=120, help="months to make past the current one")] = 3) -> None:
    """Make the monthly partitions of the audit log, the declarations and their history up to AHEAD months from
    now (PostgreSQL; each server's sealer does this once an hour) and list each with its number of rows."""
    from rich.table import Table

    from clearway import partitions
    from clearway.db import utcnow
    from clearway.flows.partitions import MONTHLY, ensure_all

    with uow() as session:
        conn = session.connection()
        if not partitions.partitioned(conn, MONTHLY[0]):
            out.print("the audit log is one table here (SQLite): nothing to partition")
            return
        made = ensure_all(conn, now=utcnow(), ahead=ahead)
        table = Table("partition", "rows")
        for parent in MONTHLY:
            for name, count in partitions.months(conn, parent):
                table.add_row(name, str(count))
    out.print(table)
    out.print(f"{len(made)} partition(s) made" + (f": {', '.join(made)}" if made else ""))


@audit_app.command("keygen")
def audit_keygen(file: Annotated[Path, typer.Argument(metavar="FILE", help="where to write the private key")]) -> None:
    """Write a new Ed25519 checkpoint key (PEM, readable by its owner only); point CLEARWAY_AUDIT_KEY_FILE at it."""
    import os

    from clearway.audit.signing import generate_pem

    if file.exists():
        fail(f"{file}: exists already (a key is never overwritten)")
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        fail(f"{file}: {exc.strerror}")
    with os.fdopen(fd, "w") as handle:
        handle.write(generate_pem())
    out.print(f"audit key written to {file}")


def _audit_key() -> Any:
    from clearway.audit.signing import KeyProblem, load
    from clearway.config import get_settings

    text = get_settings().audit_key
    try:
        return load(text) if text else None
    except KeyProblem as exc:
        fail(f"CLEARWAY_AUDIT_KEY: {exc}")


@demo_app.command("load")
def demo_load(declarations: Annotated[int, typer.Option(metavar="N", help="how many demo declarations")] = 300,
              keys_file: Annotated[Optional[Path], typer.Option(
                  metavar="FILE", help="the demo keys (JSON), reused when run again  [default: DATA_DIR/demo-keys.json]")]
              = None,
              model: Annotated[bool, typer.Option(help="train the demo fraud model (a few seconds) unless a model "
                                                       "is deployed already")] = True) -> None:
    """Load demo keys (admin; declarant, officer and NPPO of AU, NZ, US, CA, JP, TH), a demo fraud model
    and declarations taken down the clearance path into the configured database. Running it again
    reuses the keys and the model and lodges nothing twice."""
    from clearway.config import get_settings
    from clearway.demo import load
    from clearway.risk.decisions import model_dir

    summary = load(sessions(), declarations=declarations, keys_file=keys_file or get_settings().data_dir / "demo-keys.json",
                   model_dir=model_dir() if model else None)
    out.print_json(data=summary)


@demo_app.command("users")
def demo_users() -> None:
    """Create the demo users (trader, officer, NPPO, admin) where missing and print them with their passwords."""
    from rich.table import Column, Table

    from clearway.demo import users

    # the password column never folds or cuts: a user copies it from here
    table = Table("user", Column("password", no_wrap=True, min_width=26), "role", "economy",
                  Column("party", overflow="fold"), title="Sign in at /login")
    for u in users(sessions()):
        table.add_row(u["username"], u["password"], u["role"], u["economy"], u["party"] or "")
    out.print(table)


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


# Typer's own placeholders (<str>, <list[Path]>, {file}) are replaced by the words below, and help
# is plain text wrapped to the terminal, so that no option name is cut in a narrow one.
_METAVARS = {"str": "TEXT", "int": "INTEGER", "int range": "INTEGER", "float": "NUMBER", "float range": "NUMBER",
             "path": "PATH", "file": "FILE", "directory": "DIR", "datetime": "DATETIME", "uuid": "UUID"}


def _metavar(param: Any) -> str:
    label = param.display_type(None).strip("<>")
    label = label.removeprefix("list[").removesuffix("]").lower()
    return _METAVARS.get(label, label.upper())


# Commands that print no result to give as JSON, and why (tests/test_cli_json.py holds the same list).
NO_JSON = {
    "serve": "a server: runs until stopped, logging on stderr",
    "hub serve": "a server: runs until stopped, logging on stderr",
    "seals listen": "a listener: runs until stopped (or --idle-exit), logging on stderr",
}


@functools.cache
def _json_option() -> Any:
    """The --json flag, as typer makes it (from a command that declares it)."""
    probe = typer.Typer()

    @probe.command()
    def _probe(as_json: Annotated[bool, typer.Option("--json", help="print the result as one JSON document on "
                                                                    "stdout")] = False) -> None: ...

    return typer.main.get_command(probe).params[0]


def _with_json(command: Any, path: str) -> None:
    """Give a command that prints a result --json (unless it has its own): the same result as one JSON document."""
    import copy

    from clearway.cli_common import out

    if path in NO_JSON or any(p.name == "as_json" for p in command.params):
        return
    command.params.append(copy.copy(_json_option()))
    callback = command.callback

    @functools.wraps(callback)
    def run(*args: Any, as_json: bool = False, **kwargs: Any) -> Any:
        if not as_json:
            return callback(*args, **kwargs)
        with out.as_json():
            return callback(*args, **kwargs)

    command.callback = run


def _from_settings(param: Any) -> None:
    """An option that the environment may give (envvar=CLEARWAY_...) takes it from the settings model, where the
    variable is declared and checked, never from os.environ itself."""
    from clearway.config import VARIABLES, PREFIX, get_settings

    envvar = param.envvar
    if not isinstance(envvar, str) or not envvar.startswith(PREFIX):
        return
    if envvar not in VARIABLES:
        raise RuntimeError(f"option {param.name} reads {envvar}, which is no field of clearway.config.Settings")
    field = envvar.removeprefix(PREFIX).lower()

    def value_from_envvar(ctx: Any) -> Any:
        value = getattr(get_settings(), field)
        if isinstance(value, tuple):  # HOST:PORT
            value = ":".join(map(str, value))
        return None if value is None else str(value)

    param.value_from_envvar = value_from_envvar


def tidy(command: Any, path: str = "") -> Any:
    """Plain help and clean placeholders on a click command and every command under it; --json on each that
    prints a result; options given by the environment read through the settings model."""
    command.rich_markup_mode = None
    subcommands = getattr(command, "commands", None)
    if subcommands is None and path:
        _with_json(command, path)
    for param in command.params:
        _from_settings(param)
        if param.param_type_name == "argument":
            name = param.metavar = param.metavar or param.name.upper()
            # typer (pinned) prints an argument as `{name}` in the usage and `name <type>` below it;
            # tests/test_cli_help.py fails if an upgrade brings them back.
            param._usage_display_name = (lambda n, nargs: lambda: n if nargs == 1 else f"{n}...")(name, param.nargs)
            param.display_type_rich = lambda ctx: None
        elif param.metavar is None and not getattr(param, "is_flag", False):
            param.metavar = _metavar(param)
    for name, sub in (subcommands or {}).items():
        tidy(sub, f"{path} {name}".strip())
    return command


def command() -> Any:
    """The whole command line as one click command (what `clearway` runs)."""
    return tidy(typer.main.get_command(app))


def main() -> None:
    command()(prog_name="clearway")
