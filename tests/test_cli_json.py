"""--json on every command that prints a result, and output that a pipe does not wrap.

The command tree is enumerated (clearway.cli.command()); each command is either exempt (below, with the
reason), run here with --json on a small SQLite database and its stdout parsed as JSON, or named in NOT_RUN
with the reason it is not run here (then only its --json flag is checked). A new command must be put in one
of the three lists, so that none escapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clearway.cli import NO_JSON, command

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# Commands that print no result, and why.
EXEMPT = {
    "serve": "a server: runs until stopped, logging on stderr",
    "hub serve": "a server: runs until stopped, logging on stderr",
    "seals listen": "a listener: runs until stopped (or --idle-exit), logging on stderr",
}

# Commands run with --json here: the arguments after the command's words ({tmp}, {admin}, {declarant} filled in).
RUNS = {
    "db upgrade": [],
    "db detach-month": ["2019-01"],
    "secret-key": [],
    "hs search": ["fresh oranges", "--limit", "3"],
    "audit verify": [],
    "audit seal": [],
    "audit keygen": ["{tmp}/audit.pem"],
    "audit partitions": [],
    "keys create": ["--role", "officer", "--economy", "AU"],
    "keys list": [],
    "users create": ["clerk", "--role", "officer", "--economy", "AU"],
    "users list": [],
    "nppo keys create": ["--economy", "AU", "--party", "AU-DAWE"],
    "nppo keys show": ["--economy", "AU"],
    "quote": [str(EXAMPLES / "declaration-au-oranges.json")],
    "submit": ["{tmp}/declaration.json", "--key", "{declarant}"],
    "demo users": [],
    "green editions": [],
    "risk essential list": ["AU"],
    "risk essential add": ["AU", "010121", "--reason", "a test", "--key", "{admin}"],
    "wco profile": [str(ROOT / "src/clearway/wco/data/profiles/uk.toml")],
    "trs report": [],
    "seals routes": [],
    "backup": ["{tmp}/backup.db"],
}

# Commands not run here, and why (their --json flag is still checked).
NOT_RUN = {
    "restore": "replaces the database it is run on; tests/operations cover it",
    "keys revoke": "needs a key id from keys list (tests/test_cli_keys.py)",
    "users disable": "run after users create in tests/test_cli_users.py",
    "nppo trust add": "needs another economy's certificate file",
    "hub add-nppo": "needs the hub's own database",
    "certificates validate": "needs an ePhyto XML file",
    "certificates exchange": "needs a running hub",
    "seals sweep": "needs seal journeys in the database",
    "seals affix": "needs an officer key and a seal device key",
    "seals sign": "needs a device key and an event file",
    "seals simulate": "publishes hundreds of journeys (tests/containers)",
    "seals score": "needs a simulation's truth file",
    "dashboard enter": "needs an admin key of an economy (tests/dashboard)",
    "dashboard history": "needs entered indicators (tests/dashboard)",
    "dashboard publish": "needs a regional installation",
    "demo load": "lodges hundreds of declarations and trains a model (minutes)",
    "demo tariffs": "loads whole tariff schedules (minutes)",
    "green tariff-check": "needs an economy's schedule loaded",
    "green load": "needs an edition file and an admin",
    "risk train": "needs inspection history",
    "risk score": "needs a trained model",
    "risk evaluate": "needs a trained model",
    "risk simulate": "needs inspection history",
    "risk export-history": "needs inspection history",
    "risk essential remove": "run after add in tests/risk",
    "tariff load": "needs a schedule file in the import format",
    "tariff import": "needs a national schedule file",
    "tariff coverage": "needs a loaded schedule",
    "tariff line": "needs a loaded schedule",
    "rates load": "needs a rates file",
    "lvg import": "needs a low-value goods manifest and a declarant",
    "tfa load": "needs a TFA notifications file",
    "tfa projects": "needs a projects file",
    "wco push": "needs registered callbacks",
    "workforce load": "needs a workforce file",
}


def _leaves(cmd, path=()):
    subcommands = getattr(cmd, "commands", None)
    if subcommands is None:
        yield " ".join(path), cmd
        return
    for name, sub in subcommands.items():
        yield from _leaves(sub, (*path, name))


TREE = dict(_leaves(command()))


def test_every_command_is_run_not_run_with_a_reason_or_exempt():
    assert EXEMPT == NO_JSON
    placed = set(EXEMPT) | set(RUNS) | set(NOT_RUN)
    assert set(TREE) - placed == set(), "put each new command in RUNS, NOT_RUN or EXEMPT"
    assert placed - set(TREE) == set(), "no such command"
    assert not set(RUNS) & set(NOT_RUN) and not (set(RUNS) | set(NOT_RUN)) & set(EXEMPT)


@pytest.mark.parametrize("path", sorted(set(TREE) - set(EXEMPT)))
def test_every_command_that_prints_a_result_takes_json(path):
    assert "--json" in [o for p in TREE[path].params for o in getattr(p, "opts", ())], path


@pytest.mark.parametrize("path", sorted(EXEMPT))
def test_exempt_commands_have_no_json(path):
    assert "--json" not in [o for p in TREE[path].params for o in getattr(p, "opts", ())]


def _clearway(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clearway", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=300)


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    """A small SQLite installation: an admin key and an AU declarant key."""
    tmp = tmp_path_factory.mktemp("cli-json")
    env = {"PATH": "/usr/bin:/bin", "CLEARWAY_DATA_DIR": str(tmp), "CLEARWAY_DATABASE_URL": f"sqlite:///{tmp}/c.db"}
    keys = {}
    for role, args in {"admin": ["--economy", "AU"], "declarant": ["--economy", "AU", "--party",
                                                                   "AU-ABN-11222333444"]}.items():
        done = _clearway(env, "keys", "create", "--role", role, *args, "--json")
        assert done.returncode == 0, done.stderr
        keys[role] = json.loads(done.stdout)["key"]
    (tmp / "declaration.json").write_text((EXAMPLES / "declaration-au-oranges.json").read_text())
    return tmp, env, keys


@pytest.fixture(scope="module")
def in_process(fixture_db):
    """The command line run in this process (a child process per command takes too long on a busy machine), on
    the fixture's database; the CLI's cached database is forgotten before and after."""
    import typer.testing

    from clearway import cli, cli_common

    tmp, env, keys = fixture_db
    cli_common._factory = None
    tidied, original = command(), typer.testing._get_command
    typer.testing._get_command = lambda app: tidied  # the command line as `clearway` runs it (--json added)
    runner = typer.testing.CliRunner()
    try:
        yield lambda args, stdin=None: runner.invoke(cli.app, args, input=stdin,
                                                     env={k: v for k, v in env.items() if k != "PATH"})
    finally:
        typer.testing._get_command = original
        cli_common._factory = None


@pytest.mark.parametrize("path", sorted(RUNS))
def test_the_json_is_valid(fixture_db, in_process, path):
    tmp, env, keys = fixture_db
    args = [a.format(tmp=tmp, admin=keys["admin"], declarant=keys["declarant"]) for a in RUNS[path]]
    stdin = "a long enough password\n" if path == "users create" else None
    if path == "users create":
        args.append("--password-stdin")
    done = in_process([*path.split(), *args, "--json"], stdin)
    assert done.exit_code == 0, (done.output, done.exception)
    assert done.stdout.strip(), "nothing printed"
    json.loads(done.stdout)  # one JSON document, nothing else


def test_a_refusal_stays_one_line_on_stderr_under_json(fixture_db):
    _, env, _ = fixture_db
    done = _clearway(env, "risk", "essential", "add", "AU", "010121", "--reason", "x", "--key", "nope", "--json")
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "error: unknown or revoked API key\n")


def test_a_long_line_is_not_wrapped_through_a_pipe(fixture_db):
    """No COLUMNS, stdout a pipe: the HS finder's longest description stays on its table row."""
    _, env, _ = fixture_db
    done = _clearway(env, "hs", "search", "peel of citrus fruit or melons", "--limit", "1")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if "081400" in line]
    assert len(rows) == 1 and len(rows[0]) > 120, done.stdout
    assert "preservative solutions" in rows[0]
