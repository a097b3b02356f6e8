"""The help a user reads: every command's --help, in a narrow terminal, through the real `clearway`
process. Issue 9: help showed Typer's `<str>`, `<bool>`, `{file}` placeholders and cut option names
(`--no-inspectio…` at 80 columns), and there was no --version."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import clearway
from tests.cli_support import run

PLACEHOLDER = re.compile(r"<(str|int|bool|float|path|list\[[^\]]*\]|[a-z ]+ range)>|…|Usage: .*\{")


def _all_commands() -> list[list[str]]:
    import typer

    from clearway.cli import app

    found: list[list[str]] = []

    def walk(cmd, path: list[str]) -> None:
        found.append(path)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_version_prints_the_package_version():
    done = run(None, "--version")
    assert done.returncode == 0 and done.stdout == f"clearway {clearway.__version__}\n"
    # the installed distribution's version (importlib.metadata), which is pyproject.toml's
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert clearway.__version__ == metadata.version("clearway") == pyproject["project"]["version"]


def test_help_has_no_placeholders_and_no_cut_names_at_80_columns():
    commands = _all_commands()
    assert ["keys", "list"] in commands and ["keys", "revoke"] in commands and ["risk", "train"] in commands
    # One process prints every help page (a process per page would take a minute on a busy machine).
    script = ("import sys\nfrom clearway.cli import command\nfor path in " + repr(commands) + ":\n"
              "    print('=== ' + ' '.join(path))\n"
              "    try:\n        command()([*path, '--help'], prog_name='clearway')\n"
              "    except SystemExit as e:\n        assert e.code == 0, (path, e.code)\n")
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "80", "CLEARWAY_DATA_DIR": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    pages = done.stdout.split("=== ")[1:]
    assert len(pages) == len(commands)
    for page in pages:
        assert not PLACEHOLDER.search(page), page
        assert max(len(line) for line in page.splitlines()) <= 80, page
    train = next(p for p in pages if p.startswith("risk train\n"))
    assert "--inspections / --no-inspections" in train and "--history PATH" in train
    assert "--valid-fraction NUMBER" in train and "--rounds INTEGER" in train
    submit = next(p for p in pages if p.startswith("submit\n"))
    assert "Usage: clearway submit [OPTIONS] FILE" in submit and "--url URL" in submit


@pytest.mark.parametrize("words,page", [
    (["submit", "--help"], "configured database (CLEARWAY_DATABASE_URL"),
    (["keys", "create", "--help"], "configured database (CLEARWAY_DATABASE_URL"),
])
def test_help_says_where_submit_and_keys_create_act(words, page):
    done = run(None, *words, columns=100)
    assert done.returncode == 0 and page in " ".join(done.stdout.split())
