"""Backup and restore of the embedded SQLite database with SQLite's online backup API: the copy is a
consistent snapshot taken while the server runs (WAL readers and the writer carry on), written to a file
readable by its owner only. PostgreSQL is backed up with its own tools (pg_dump -Fc, pg_restore), which
`clearway backup` names rather than imitates."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from clearway.errors import FieldError, Invalid

PG_DUMP = ("PostgreSQL is backed up with its own tools: pg_dump --format=custom --file=FILE \"$DATABASE_URL\"; "
           "restore into an empty database with pg_restore --no-owner --dbname=\"$DATABASE_URL\" FILE "
           "(docs/operations.md)")


class UseNativeTools(Exception):
    """The database is not the embedded SQLite: the message says which tools to use."""


@dataclass(frozen=True)
class Copied:
    path: Path
    pages: int
    tables: dict[str, int]  # rows per table


def sqlite_path(url: str) -> Path:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        raise UseNativeTools(PG_DUMP)
    if not u.database or u.database == ":memory:":
        raise Invalid("an in-memory database has nothing to back up",
                      errors=[FieldError("CLEARWAY_DATABASE_URL", "is an in-memory database")])
    return Path(u.database)


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608 - names from sqlite_master


def _private_file(path: Path) -> None:
    """Create the file empty, readable and writable by its owner only (a backup holds every secret the
    database does)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def backup(url: str, target: Path) -> Copied:
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise Invalid(f"there is no database at {source_path}", errors=[FieldError("CLEARWAY_DATABASE_URL",
                                                                                   "names no file")])
    if target.exists() and target.resolve() == source_path.resolve():
        raise Invalid("the backup cannot be the database itself", errors=[FieldError("FILE", "is the database")])
    if not target.parent.is_dir():
        raise Invalid(f"{target.parent} is not a directory", errors=[FieldError("FILE", "its directory does not exist")])
    partial = target.with_name(target.name + ".partial")
    _private_file(partial)
    with sqlite3.connect(f"file:{source_path}?mode=ro", uri=True) as source, sqlite3.connect(partial) as dest:
        source.backup(dest)
        pages = dest.execute("PRAGMA page_count").fetchone()[0]
        dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        tables = _counts(dest)
    source.close()
    dest.close()
    os.replace(partial, target)  # a crash mid-copy leaves the .partial, never a half backup under FILE
    return Copied(target, pages, tables)


def check_backup(path: Path) -> dict[str, int]:
    """Rows per table of a backup file, after SQLite's integrity check; Invalid naming FILE otherwise."""
    if not path.is_file():
        raise Invalid(f"{path} does not exist", errors=[FieldError("FILE", "does not exist")])
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = _counts(conn)
        conn.close()
    except sqlite3.DatabaseError as exc:
        raise Invalid(f"{path} is not a SQLite database ({exc})",
                      errors=[FieldError("FILE", "is not a SQLite database")]) from None
    if ok != "ok":
        raise Invalid(f"{path} fails SQLite's integrity check: {ok}", errors=[FieldError("FILE", "is damaged")])
    if "alembic_version" not in tables:
        raise Invalid(f"{path} is not a Clearway database (no alembic_version table)",
                      errors=[FieldError("FILE", "is not a Clearway database")])
    return tables


def _opens(path: Path) -> bool:
    try:
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
        conn.close()
        return True
    except sqlite3.DatabaseError:
        return False


def _set_aside(path: Path) -> None:
    """A database SQLite cannot open is kept beside, renamed (with its -wal and -shm: a stale log must not
    be replayed over the restored pages), for whoever looks into what happened."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            os.replace(part, path.with_name(f"{path.name}.damaged-{stamp}{suffix}"))


def restore(url: str, source: Path) -> Copied:
    """Copy a checked backup over the database, page by page with the same backup API (the database file
    is written under SQLite's own lock, so a reader never sees it half restored). Stop the server first:
    its cached keys and sessions would outlive the restore."""
    target_path = sqlite_path(url)
    tables = check_backup(source)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    if target_path.exists() and not _opens(target_path):
        _set_aside(target_path)
    if not target_path.exists():
        _private_file(target_path)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target_path) as dest:
        src.backup(dest)
        pages = dest.execute("PRAGMA page_count").fetchone()[0]
    src.close()
    dest.close()
    return Copied(target_path, pages, tables)
