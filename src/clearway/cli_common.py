"""What every command line needs: the database, the unit of work, refusals as exit code 2, and the result
printed for people or, under --json, as one JSON document."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.service import authenticate
from clearway.config import get_settings
from clearway.db import make_engine, make_sessionmaker, migrate, transaction
from clearway.errors import ClearwayError


def _console(stderr: bool = False) -> Console:
    """A terminal gets Rich's usual width; a pipe or a file gets lines that are never wrapped (a long line stays
    one line for grep, cut and the next program). COLUMNS, when set, still decides."""
    stream = sys.stderr if stderr else sys.stdout
    if os.environ.get("COLUMNS") or stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=UNWRAPPED)


UNWRAPPED = 1_000_000  # columns of a console that is not a terminal: in effect, no wrapping


def _data(obj: Any, options: dict[str, Any]) -> Any:
    """What a printed object says, as JSON data: a table's rows as objects keyed by its column headers,
    anything else as its text."""
    if isinstance(obj, Table):
        def plain(cell: Any) -> str:
            return cell.plain if isinstance(cell, Text) else str(cell)
        headers = [plain(c.header) for c in obj.columns]
        return [dict(zip(headers, map(plain, row))) for row in zip(*(c._cells for c in obj.columns))]
    buffer = io.StringIO()
    Console(file=buffer, width=UNWRAPPED, color_system=None).print(obj, **options)
    return {"message": buffer.getvalue().rstrip("\n")}


class Output:
    """stdout for results. Commands print through it (print, print_json, line); under --json it collects what they
    print and writes it at the end as one JSON document (one object, or a list when they printed several)."""

    def __init__(self) -> None:
        self.console = _console()
        self._collected: list[Any] | None = None

    def print(self, *objects: Any, **options: Any) -> None:
        if self._collected is None:
            self.console.print(*objects, **options)
        else:
            self._collected.extend(_data(obj, {k: v for k, v in options.items() if k in ("markup", "highlight")})
                                   for obj in objects)

    def print_json(self, json_str: str | None = None, *, data: Any = None, **options: Any) -> None:
        if self._collected is None:
            self.console.print_json(json_str, data=data, **options)
        else:
            self._collected.append(json.loads(json_str) if json_str is not None else data)

    def line(self, text: str, *, name: str = "message", end: str = "\n") -> None:
        """Plain text as it is (a key, a PEM, tab-separated rows): no Rich markup or wrapping; {name: text} under --json."""
        if self._collected is None:
            sys.stdout.write(text + end)
        else:
            self._collected.append({name: text})

    def result(self, data: Any, text: str) -> None:
        """A result with its own text form (written as it is) and its own JSON form."""
        if self._collected is None:
            sys.stdout.write(text)
        else:
            self._collected.append(data)

    @contextmanager
    def as_json(self) -> Iterator[None]:
        """Collect what is printed inside, then write it as JSON (also when the command exits, when it printed
        anything or exits 0)."""
        self._collected = []
        try:
            try:
                yield
            except typer.Exit as exc:
                if exc.exit_code == 0 or self._collected:  # a result with exit 1 (say, a line refused) is still given
                    self._emit()
                raise
            self._emit()
        finally:
            self._collected = None

    def _emit(self) -> None:
        found = self._collected or []
        document = found[0] if len(found) == 1 else found
        sys.stdout.write(json.dumps(document, default=str, ensure_ascii=False) + "\n")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


err = _console(stderr=True)
out = Output()


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, then exit (2 = bad input)."""
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def refusals_exit(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a domain refusal into exit code 2 with one line naming the field and the reason."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ClearwayError as exc:
            fail(exc.one_line())

    return wrapper


_factory: sessionmaker[Session] | None = None


def sessions() -> sessionmaker[Session]:
    """The configured database, brought to the latest schema once per process."""
    global _factory
    if _factory is None:
        engine = make_engine(get_settings().database_url)
        migrate(engine)
        _factory = make_sessionmaker(engine)
    return _factory


@contextmanager
def uow() -> Iterator[Session]:
    with transaction(sessions()) as session:
        yield session


def principal_from_key(key: str | None):
    if not key:
        fail("--key is required (or set CLEARWAY_API_KEY)")
    with sessions()() as session:
        who = authenticate(session, key)
    if who is None:
        fail("unknown or revoked API key")
    return who


def broker(value: str) -> tuple[str, int]:
    """An MQTT broker given as HOST:PORT (exit 2 naming the option otherwise)."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        fail(f"--mqtt must be HOST:PORT, not {value!r}")
    return host, int(port)


def read_text(path: str) -> str:
    try:
        return sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    except OSError as exc:
        fail(f"{path}: {exc.strerror}")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
