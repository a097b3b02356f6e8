"""The SQL of lodging, written out once per dialect and run as it stands on the driver's cursor.

Lodging is the hottest path: SQLAlchemy spends 100 to 300 µs of interpreter time building, caching and
binding each Core statement, several times what SQLite needs to run it. Here the statements are plain
strings, the values are converted once (time, money and JSON as each engine stores them, exactly as
clearway.db's types do), the children go in one executemany each (psycopg pipelines it), and RETURNING
gives back the ids instead of a read-back. Everything else reads these rows through the ORM models."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy.orm import Session

from clearway.db import driver_cursor, stored_money, stored_time

DECLARATION = ("INSERT INTO declarations (mrn, lrn, declarant_id, type, economy, office, status, channel, version, "
               "fingerprint, content, accepted_at, updated_at) VALUES (:mrn, :lrn, :declarant_id, :type, :economy, "
               ":office, :status, :channel, 1, :fingerprint, {content}, :at, :at) RETURNING id")
ITEM = ("INSERT INTO declaration_items (declaration_id, line, hs_code, description, origin, quantity, unit, "
        "gross_weight_kg, net_weight_kg, value) VALUES (:declaration_id, :line, :hs_code, :description, :origin, "
        ":quantity, :unit, :gross_weight_kg, :net_weight_kg, :value)")
CONTAINER = "INSERT INTO declaration_containers (declaration_id, container) VALUES (:declaration_id, :container) RETURNING id"
DOCUMENT = "INSERT INTO declaration_documents (declaration_id, type, reference) VALUES (:declaration_id, :type, :reference)"
STATUS = ("INSERT INTO declaration_status_events (declaration_id, from_status, to_status, at, actor, reason) "
          "VALUES (:declaration_id, NULL, :status, :at, :actor, :reason) RETURNING id")
VERSION = ("INSERT INTO declaration_versions (declaration_id, version, content, created_at, actor, reason) "
           "VALUES (:declaration_id, 1, {content}, :at, :actor, :reason)")
BY_LRN = "SELECT id FROM declarations WHERE declarant_id = :declarant_id AND lrn = :lrn"


def _for(dialect: str, sql: str) -> str:
    if dialect == "postgresql":
        return re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql.replace("{content}", "CAST(:content AS JSON)"))
    return sql.replace("{content}", ":content")


_SQL = {d: {name: _for(d, sql) for name, sql in globals().items() if name.isupper() and isinstance(sql, str)}
        for d in ("sqlite", "postgresql")}


class Binder:
    """The statements of one dialect, a cursor in the session's transaction, and values as the engine stores
    them (SQLite keeps naive UTC text and decimals as text: clearway.db)."""

    def __init__(self, session: Session) -> None:
        self.dialect = session.get_bind().dialect.name
        self.sql = _SQL["postgresql" if self.dialect == "postgresql" else "sqlite"]
        self.cursor = driver_cursor(session)

    def time(self, value: datetime) -> Any:
        return stored_time(self.dialect, value)

    def money(self, value: Decimal | None) -> Any:
        return stored_money(self.dialect, value)

    def one(self, name: str, params: dict[str, Any]) -> Any:
        """The first column of the first row (RETURNING), or None."""
        self.cursor.execute(self.sql[name], params)
        row = self.cursor.fetchone()
        return row[0] if row else None

    def run(self, name: str, params: dict[str, Any]) -> None:
        self.cursor.execute(self.sql[name], params)

    def many(self, name: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.cursor.executemany(self.sql[name], rows)


def driver_integrity_error(session: Session) -> type[Exception]:
    """What the driver raises for a broken unique key (SQLAlchemy does not wrap errors of SQL run here)."""
    return session.get_bind().dialect.loaded_dbapi.IntegrityError


def json_text(data: Any) -> str:
    return orjson.dumps(data).decode()


def by_lrn(session: Session, *, declarant_id: str, lrn: str) -> int | None:
    return Binder(session).one("BY_LRN", {"declarant_id": declarant_id, "lrn": lrn})


def insert_lodgement(session: Session, *, head: dict[str, Any], content: dict[str, Any], items: list[dict[str, Any]],
                     containers: list[str], documents: list[dict[str, Any]], at: datetime, actor: str,
                     reason: str = "lodged") -> tuple[int, int, list[int]]:
    """(declaration id, status event id, container row ids): the declaration, its children, its first status
    and its first version."""
    b = Binder(session)
    when, text = b.time(at), json_text(content)
    new_id = b.one("DECLARATION", {**head, "content": text, "at": when, "status": "accepted"})
    b.many("ITEM", [{**it, "declaration_id": new_id, "quantity": b.money(it["quantity"]), "value": b.money(it["value"]),
                     "gross_weight_kg": b.money(it["gross_weight_kg"]), "net_weight_kg": b.money(it["net_weight_kg"])}
                    for it in items])
    box_ids = [b.one("CONTAINER", {"declaration_id": new_id, "container": c}) for c in containers]
    b.many("DOCUMENT", [{**d, "declaration_id": new_id} for d in documents])
    status_id = b.one("STATUS", {"declaration_id": new_id, "status": "accepted", "at": when, "actor": actor,
                                 "reason": reason})
    b.run("VERSION", {"declaration_id": new_id, "content": text, "at": when, "actor": actor, "reason": reason})
    return new_id, status_id, box_ids
