"""What every command line needs: the database, the unit of work, and refusals as exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.service import authenticate
from clearway.config import get_settings
from clearway.db import make_engine, make_sessionmaker, migrate, transaction
from clearway.errors import ClearwayError

err = Console(stderr=True)
out = Console()


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
