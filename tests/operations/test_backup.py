"""`clearway backup FILE` and `clearway restore FILE` as a user runs them (child processes): a backup of
a database with declarations, keys, an NPPO signing key and their audit events is restored over the
database after it was emptied, and after it was overwritten with garbage; each time the row counts are
those of the backup and `clearway audit verify` passes. On PostgreSQL the commands name pg_dump and
pg_restore (exit 2)."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from clearway.auth.service import authenticate, create_key
from clearway.certificates import nppo
from clearway.db import make_engine, make_sessionmaker, migrate, transaction
from clearway.declarations.schemas import DeclarationIn
from clearway.flows import lodging
from tests.cli_support import run
from tests.support import example

DECLARANT = "AU-ABN-11222333444"


def _populate(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        key, _ = create_key(session, role="declarant", economy="AU", party_id=DECLARANT, actor="test")
        nppo.create_key(session, economy="AU", party_id="NPPO-AU", actor="test")
    with factory() as session:
        who = authenticate(session, key)
    for n in range(3):
        doc = copy.deepcopy(example("tariff-au-tshirts.json"))
        doc.update(lrn=f"BACKUP-{n}")
        doc["declarant"] = {**doc["declarant"], "id": DECLARANT}
        with transaction(factory) as session:
            lodging.lodge(session, principal=who, decl=DeclarationIn.model_validate(doc))
    engine.dispose()


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%'")]
        counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    conn.close()
    return counts


def test_backup_then_restore_after_emptying_and_after_damage(tmp_path):
    data = tmp_path / "data"
    live = data / "clearway.db"
    db = SimpleNamespace(url=f"sqlite:///{live}")
    _populate(db.url)
    assert live.stat().st_mode & 0o777 == 0o600  # created readable by its owner only
    before = _counts(live)
    assert before["declarations"] == 3 and before["audit_events"] >= 5 and before["certificate_nppo_keys"] == 1

    copy_file = tmp_path / "backups" / "clearway-1.db"
    copy_file.parent.mkdir()
    done = run(db, "backup", str(copy_file), data_dir=data)
    assert done.returncode == 0, done.stderr
    assert f"backed up to {copy_file}" in done.stdout
    assert copy_file.stat().st_mode & 0o777 == 0o600
    assert _counts(copy_file) == before

    # emptied: every declaration and audit event deleted
    with sqlite3.connect(live) as conn:
        conn.execute("DELETE FROM declaration_versions")
        conn.execute("DELETE FROM declarations")
        conn.execute("DELETE FROM audit_events")
    conn.close()
    assert _counts(live)["declarations"] == 0
    done = run(db, "restore", str(copy_file), data_dir=data)
    assert done.returncode == 0, done.stderr
    assert f"audit chain intact: {before['audit_events']} events" in done.stdout
    assert _counts(live) == before

    # damaged: the file overwritten with garbage, its log left behind
    live.write_bytes(b"\0garbage" * 4096)
    done = run(db, "audit", "verify", data_dir=data)
    assert done.returncode != 0
    done = run(db, "restore", str(copy_file), data_dir=data)
    assert done.returncode == 0, done.stderr
    assert _counts(live) == before
    assert [p.name for p in data.iterdir() if ".damaged-" in p.name]  # the damaged file kept beside
    done = run(db, "audit", "verify", data_dir=data)
    assert done.returncode == 0 and f"audit chain intact: {before['audit_events']} events" in done.stdout


def test_restore_refuses_a_file_that_is_not_a_clearway_backup(tmp_path):
    db = SimpleNamespace(url=f"sqlite:///{tmp_path / 'clearway.db'}")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    done = run(db, "restore", str(junk), data_dir=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "is not a SQLite database" in done.stderr
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    done = run(db, "restore", str(other), data_dir=tmp_path)
    assert done.returncode == 2 and "not a Clearway database" in done.stderr
    done = run(db, "restore", str(tmp_path / "missing.db"), data_dir=tmp_path)
    assert done.returncode == 2 and "does not exist" in done.stderr


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_on_postgresql_the_commands_name_pg_dump_and_pg_restore(tmp_path, command):
    db = SimpleNamespace(url="postgresql+psycopg://clearway@db.example/clearway")
    done = run(db, command, str(tmp_path / "x.dump"), data_dir=tmp_path)
    assert done.returncode == 2
    assert "pg_dump --format=custom" in done.stderr and "pg_restore" in done.stderr
