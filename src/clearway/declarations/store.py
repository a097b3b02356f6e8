"""The SQL of lodging, written out once per dialect and run as it stands on the driver's cursor.

Lodging is the hottest path: SQLAlchemy spends 100 to 300 µs of interpreter time building, caching and
binding each Core statement, several times what SQLite needs to run it. Here the statements are plain
strings, the values are converted once (time, money and JSON as each engine stores them, exactly as
clearway.db's types do), the children go in one executemany each (psycopg pipelines it; on PostgreSQL a batch's
by COPY, a desk's few with their keys in one statement), and RETURNING gives back the ids instead of a read-back.
Everything else reads these rows through the ORM models."""

from __future__ import annotations

import re
from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy.orm import Session

from clearway.db import COPY_FROM, driver_cursor, pipelined, returned_rows, stored_money, stored_time
from clearway.declarations.core import AMOUNTS as _AMOUNTS
from clearway.declarations.partitions import DECLARATIONS
from clearway.partitions import Month

DECLARATION = ("INSERT INTO declarations (mrn, lrn, declarant_id, type, economy, office, status, channel, version, "
               "fingerprint, content, accepted_at, updated_at) VALUES (:mrn, :lrn, :declarant_id, :type, :economy, "
               ":office, :status, :channel, 1, :fingerprint, {content}, :at, :at) RETURNING id")
# A single lodgement's: nothing, no id, when another transaction lodged the declarant's LRN meanwhile (PostgreSQL
# waits for it to end), so that lodging needs no savepoint to answer with that declaration.
NEW_DECLARATION = DECLARATION.replace(" RETURNING id", " ON CONFLICT (declarant_id, lrn) DO NOTHING RETURNING id")
ITEM = ("INSERT INTO declaration_items (declaration_id, line, hs_code, description, origin, quantity, unit, "
        "gross_weight_kg, net_weight_kg, value) VALUES (:declaration_id, :line, :hs_code, :description, :origin, "
        ":quantity, :unit, :gross_weight_kg, :net_weight_kg, :value)")
CONTAINER = "INSERT INTO declaration_containers (declaration_id, container) VALUES (:declaration_id, :container) RETURNING id"
DOCUMENT = "INSERT INTO declaration_documents (declaration_id, type, reference) VALUES (:declaration_id, :type, :reference)"
STATUS = ("INSERT INTO declaration_status_events (declaration_id, from_status, to_status, at, actor, reason) "
          "VALUES (:declaration_id, NULL, :status, :at, :actor, :reason) RETURNING id")
VERSION = ("INSERT INTO declaration_versions (declaration_id, version, content, created_at, actor, reason) "
           "VALUES (:declaration_id, 1, {content}, :at, :actor, :reason)")
# PostgreSQL: a whole single lodgement in one statement (one round trip instead of six), each child table's rows
# as parallel arrays; the declaration, or nothing at all when the LRN was lodged meanwhile (as NEW_DECLARATION).
# Its declarations are partitioned by month (declarations/partitions.py): the LRN and MRN are unique in
# declaration_keys, whose row draws the month-numbered id and is written first; nothing when the LRN is taken.
LODGEMENT_PG = (
    "WITH k AS (INSERT INTO declaration_keys (declarant_id, lrn, mrn) VALUES (:declarant_id, :lrn, :mrn) "
    "ON CONFLICT (declarant_id, lrn) DO NOTHING RETURNING id), "
    "d AS (" + DECLARATION.replace("(mrn,", "(id, mrn,").replace(") VALUES (:mrn,", ") SELECT k.id, :mrn,")
    .replace(", :at, :at) RETURNING id", ", :at, :at FROM k RETURNING id") + "), "
    "i AS (INSERT INTO declaration_items (declaration_id, line, hs_code, description, origin, quantity, unit, "
    "gross_weight_kg, net_weight_kg, value) SELECT d.id, t.* FROM d, unnest(CAST(:lines AS INTEGER[]), "
    "CAST(:codes AS TEXT[]), CAST(:descriptions AS TEXT[]), CAST(:origins AS TEXT[]), CAST(:quantities AS NUMERIC[]), "
    "CAST(:units AS TEXT[]), CAST(:gross AS NUMERIC[]), CAST(:net AS NUMERIC[]), CAST(:values AS NUMERIC[])) AS t), "
    "c AS (INSERT INTO declaration_containers (declaration_id, container) SELECT d.id, t.container "
    "FROM d, unnest(CAST(:containers AS TEXT[])) WITH ORDINALITY AS t(container, n) ORDER BY t.n RETURNING id), "
    "o AS (INSERT INTO declaration_documents (declaration_id, type, reference) SELECT d.id, t.* "
    "FROM d, unnest(CAST(:document_types AS TEXT[]), CAST(:references AS TEXT[])) AS t), "
    "s AS (INSERT INTO declaration_status_events (declaration_id, from_status, to_status, at, actor, reason) "
    "SELECT d.id, NULL, :status, :at, :actor, :reason FROM d RETURNING id), "
    "v AS (INSERT INTO declaration_versions (declaration_id, version, content, created_at, actor, reason) "
    "SELECT d.id, 1, {content}, :at, :actor, :reason FROM d) "
    "SELECT d.id, (SELECT id FROM s), ARRAY(SELECT id FROM c ORDER BY id) FROM d")
BY_LRN = "SELECT id FROM declarations WHERE declarant_id = :declarant_id AND lrn = :lrn"
BY_LRN_PG = "SELECT id FROM declaration_keys WHERE declarant_id = :declarant_id AND lrn = :lrn"
# A declaration written with a provisional MRN gets its drawn one (declarations.service.number).
SET_MRN = "UPDATE declarations SET mrn = :mrn WHERE id = :declaration_id"
# PostgreSQL: in its keys too, and in its month's partition itself where that is made (an update through the
# partitioned table cost some 100 us more of the server's time: its executor sets up every partition's routing).
SET_MRN_PG = ("WITH k AS (UPDATE declaration_keys SET mrn = :mrn WHERE id = :declaration_id) "
              "UPDATE {table} SET mrn = :mrn WHERE id = :declaration_id")
# A batch's drawn MRNs in their keys, by one statement for the chunk (its declarations are written after). Not
# prepared: the generic plan of a prepared statement is made once, and made while the table is small (a new
# database, before the first ANALYZE) it joins by a scan of the whole table, which it then does at every call
# as the table grows (lodging on PostgreSQL 740 -> 507 a second over 30,000 declarations, issue 16). Planned
# at each call, the plan follows the table's size.
SET_KEY_MRNS_PG = ("UPDATE declaration_keys AS k SET mrn = n.mrn FROM unnest(CAST(:ids AS BIGINT[]), "
                   "CAST(:mrns AS TEXT[])) AS n(id, mrn) WHERE k.id = n.id")
# A batch's declarations on PostgreSQL: their keys first, which draw their ids (then the declarations are copied).
DECLARATION_PG = DECLARATION.removesuffix(" RETURNING id").replace("(mrn,", "(id, mrn,").replace("VALUES (:mrn,",
                                                                                                 "VALUES (:id, :mrn,")
# A desk's few (fewer than FEW): each key's MRN by its id and the declaration's own row with it, one prepared
# statement a declaration, sent together (the update's generic plan probes the primary key: docs/decisions.md, "A
# desk's small group asks for its keys one at a time"); two statements each before, inside the counters' lock.
KEY_AND_DECLARATION_PG = "WITH k AS (UPDATE declaration_keys SET mrn = :mrn WHERE id = :id) " + DECLARATION_PG
KEYS_PG = ("INSERT INTO declaration_keys (declarant_id, lrn, mrn) SELECT * FROM unnest(CAST(:declarants AS TEXT[]), "
           "CAST(:lrns AS TEXT[]), CAST(:mrns AS TEXT[])) RETURNING mrn, id")
# A desk's few (fewer than FEW) on PostgreSQL: their keys and every child row in one statement, each table's rows as
# one JSON array (orjson writes it in C; psycopg writes a list as an array in Python, quoting and escaping each
# value: some 10 us a value), a child finding its declaration's key by the provisional MRN it was written under
# (ordinality keeps the rows in list order). KEYS_PG then the children by executemany were eight statements for a
# lone declaration, each costing psycopg some 40 us of interpreter time to send and read, in a pipeline of its own.
# A key whose LRN is taken (lodged before, or meanwhile by a transaction that commits) is skipped with its rows:
# the desk's few are not looked up first (declarations.service.lodge_set_unnumbered).
KEYS_AND_CHILDREN_PG = (
    "WITH g AS (SELECT * FROM ROWS FROM (json_to_recordset(CAST(:declarations AS JSON)) AS (declarant_id TEXT, "
    "lrn TEXT, mrn TEXT, content JSON)) WITH ORDINALITY AS t(declarant_id, lrn, mrn, content, n)), "
    "k AS (INSERT INTO declaration_keys (declarant_id, lrn, mrn) SELECT declarant_id, lrn, mrn FROM g ORDER BY n "
    "ON CONFLICT (declarant_id, lrn) DO NOTHING RETURNING mrn, id), "
    "i AS (INSERT INTO declaration_items (declaration_id, line, hs_code, description, origin, quantity, unit, "
    "gross_weight_kg, net_weight_kg, value) SELECT k.id, t.line, t.hs_code, t.description, t.origin, t.quantity, "
    "t.unit, t.gross_weight_kg, t.net_weight_kg, t.value FROM ROWS FROM (json_to_recordset(CAST(:items AS JSON)) AS "
    "(mrn TEXT, line INTEGER, hs_code TEXT, description TEXT, origin TEXT, quantity NUMERIC, unit TEXT, "
    "gross_weight_kg NUMERIC, net_weight_kg NUMERIC, value NUMERIC)) WITH ORDINALITY AS t(mrn, line, hs_code, "
    "description, origin, quantity, unit, gross_weight_kg, net_weight_kg, value, n) JOIN k USING (mrn) ORDER BY t.n), "
    "c AS (INSERT INTO declaration_containers (declaration_id, container) SELECT k.id, t.container FROM ROWS FROM "
    "(json_to_recordset(CAST(:containers AS JSON)) AS (mrn TEXT, container TEXT)) WITH ORDINALITY AS t(mrn, container, "
    "n) JOIN k USING (mrn) ORDER BY t.n), "
    "o AS (INSERT INTO declaration_documents (declaration_id, type, reference) SELECT k.id, t.type, t.reference FROM "
    "ROWS FROM (json_to_recordset(CAST(:documents AS JSON)) AS (mrn TEXT, type TEXT, reference TEXT)) WITH ORDINALITY "
    "AS t(mrn, type, reference, n) JOIN k USING (mrn) ORDER BY t.n), "
    "s AS (INSERT INTO declaration_status_events (declaration_id, from_status, to_status, at, actor, reason) "
    "SELECT k.id, NULL, :status, :at, :actor, :reason FROM g JOIN k USING (mrn) ORDER BY g.n), "
    "v AS (INSERT INTO declaration_versions (declaration_id, version, content, created_at, actor, reason) "
    "SELECT k.id, 1, g.content, :at, :actor, :reason FROM g JOIN k USING (mrn) ORDER BY g.n) "
    "SELECT mrn, id FROM k")
# A batch's LRNs and first versions are asked for in one statement each (`known`, `first_contents`): the lists are
# spliced in as numbered parameters.
KNOWN = "SELECT id, lrn, mrn, status, fingerprint FROM declarations WHERE declarant_id = :declarant_id AND lrn IN ({lrns})"
# PostgreSQL: the keys first, one probe of their unique index an LRN (a plan that holds before the table has
# statistics: an IN list then scanned all of the declarant's rows), then the few found, by id. The LIMIT (an LRN
# has one key at most) keeps the subquery apart: without it PostgreSQL pulls it up into a join, and the generic
# plan of the prepared statement, chosen while the table was small, hash-joined all of the declarant's keys on
# every call, whose cost grew with the declarant's declarations (lodging on PostgreSQL 740 -> 507 a second over
# 30,000 declarations, issue 16).
KNOWN_KEYS_PG = ("SELECT k.id FROM unnest(CAST(:lrns AS TEXT[])) AS l(lrn), LATERAL (SELECT id FROM declaration_keys "
                 "WHERE declarant_id = :declarant_id AND lrn = l.lrn LIMIT 1) AS k")
KNOWN_BY_ID_PG = "SELECT id, lrn, mrn, status, fingerprint FROM declarations WHERE id = ANY(CAST(:ids AS BIGINT[]))"
FIRST = "SELECT declaration_id, content FROM declaration_versions WHERE version = 1 AND declaration_id IN ({ids})"


def _for(dialect: str, sql: str) -> str:
    """The statement as the dialect's driver takes it: named parameters and the JSON cast of PostgreSQL."""
    if dialect == "postgresql":
        return re.sub(_NAME, r"%(\1)s", sql.replace("{content}", "CAST(:content AS JSON)"))
    return sql.replace("{content}", ":content")


_NAME = r"(?<!:):(\w+)"


_SQL = {d: {name: _for(d, sql) for name, sql in globals().items() if name.isupper() and isinstance(sql, str)}
        for d in ("sqlite", "postgresql")}


class Binder:
    """The statements of one dialect, a cursor in the session's transaction, and values as the engine stores
    them (SQLite keeps naive UTC text and decimals as text: clearway.db)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.sql = _SQL["postgresql" if self.dialect == "postgresql" else "sqlite"]
        self.cursor = driver_cursor(session)

    def time(self, value: datetime) -> Any:
        return stored_time(self.dialect, value)

    def money(self, value: Decimal | None) -> Any:
        return stored_money(self.dialect, value)

    def item(self, item: dict[str, Any], declaration_id: int) -> dict[str, Any]:
        """A goods item's row, its amounts as the engine stores them."""
        return {**item, "declaration_id": declaration_id, **{key: self.money(item[key]) for key in _AMOUNTS}}

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

    def copy(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Many rows of statement `name` (an INSERT without RETURNING): on PostgreSQL by COPY, whose rows psycopg
        writes in C (an executemany handles each row in Python: about 5 us a row), else by `many`."""
        if not self._copied(rows):  # (no RETURNING: the statement's own are dropped)
            self.many(name, rows)
            return
        sql, values = _COPY[name]
        with self.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[key] if key else fixed for key, fixed in values])

    def _copied(self, rows: list[dict[str, Any]]) -> bool:
        """Whether `copy` writes these rows by COPY (PostgreSQL, enough of them) rather than by `many`."""
        return self.dialect == "postgresql" and len(rows) >= COPY_FROM

    def copy_all(self, tables: list[tuple[str, list[dict[str, Any]]]]) -> None:
        """`copy` of several statements' rows, in any order; on PostgreSQL those too few for a COPY are sent
        together, in one round trip (each executemany alone waits for its answer: a lone declaration's five child
        tables were five round trips, issue 16)."""
        few = []
        for name, rows in tables:
            if self._copied(rows):
                self.copy(name, rows)  # (a COPY cannot go in a pipeline)
            elif rows:
                few.append((name, rows))
        with pipelined(self.session) if len(few) > 1 else nullcontext():  # (one alone is its own pipeline)
            for name, rows in few:
                self.many(name, rows)

    def listed(self, name: str, key: str, values: list[Any], params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of statement `name` whose `{key}` stands for the list `values` (in parts of PART)."""
        out: list[tuple[Any, ...]] = []
        for k in range(0, len(values), PART):
            part = values[k:k + PART]
            marks = ", ".join(f":{key}_{i}" for i in range(len(part)))
            sql = _for(self.dialect, globals()[name].replace("{" + key + "}", marks))
            self.cursor.execute(sql, {**params, **{f"{key}_{i}": v for i, v in enumerate(part)}})
            out.extend(self.cursor.fetchall())
        return out


def json_text(data: Any) -> str:
    return orjson.dumps(data).decode()


def by_lrn(session: Session, *, declarant_id: str, lrn: str) -> int | None:
    b = Binder(session)
    return b.one("BY_LRN_PG" if b.dialect == "postgresql" else "BY_LRN", {"declarant_id": declarant_id, "lrn": lrn})


def set_mrns(session: Session, mrns: dict[int, str], rows: dict[int, dict[str, Any]]) -> None:
    """Write the MRN drawn for each declaration of `mrns` (id -> MRN); `rows`: the declarations among them whose
    own rows `insert_lodgements` left to be written now, with it (PostgreSQL)."""
    b = Binder(session)
    if b.dialect != "postgresql":
        b.many("SET_MRN", [{"declaration_id": ident, "mrn": mrn} for ident, mrn in mrns.items()])
        return
    if rows and len(rows) < FEW:  # a desk's few: the key's MRN and the declaration's row by one statement each
        b.many("KEY_AND_DECLARATION_PG", [{**row, "mrn": mrns[ident]} for ident, row in rows.items()])
    elif rows:  # a chunk's: one statement, planned at each call for the table as it is now (see SET_KEY_MRNS_PG)
        b.cursor.execute(b.sql["SET_KEY_MRNS_PG"], {"ids": list(rows), "mrns": [mrns[ident] for ident in rows]},
                         prepare=False)
        b.copy("DECLARATION_PG", [{**row, "mrn": mrns[ident]} for ident, row in rows.items()])
    for ident, mrn in mrns.items():
        if ident not in rows:  # written with its provisional MRN (insert_lodgement): in its keys and its row
            b.cursor.execute(b.sql["SET_MRN_PG"].replace("{table}", _partition_of(b, ident)),
                             {"declaration_id": ident, "mrn": mrn})


# The month partitions seen attached (a month detached is over: nothing in it is numbered again).
_ATTACHED: set[str] = set()


def _partition_of(b: Binder, declaration_id: int) -> str:
    """The table whose MRN update writes `declaration_id`'s row: its month's partition where that is attached,
    else the partitioned table (which routes to the default partition)."""
    name = DECLARATIONS.table(Month.of_id(declaration_id))
    if name not in _ATTACHED:
        b.cursor.execute("SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%(name)s) "
                         "AND inhparent = to_regclass(%(parent)s)", {"name": f'"{name}"', "parent": DECLARATIONS.name})
        if b.cursor.fetchone() is None:
            return DECLARATIONS.name
        _ATTACHED.add(name)
    return f'"{name}"'


def known(session: Session, *, declarant_id: str, lrns: list[str]) -> dict[str, tuple[int, str, str, str]]:
    """The declarant's declarations among `lrns`: LRN -> (id, MRN, status, fingerprint)."""
    b = Binder(session)
    if b.dialect == "postgresql":
        ids = _key_ids(b, declarant_id, sorted(set(lrns)))
        rows = []
        if ids:
            b.cursor.execute(b.sql["KNOWN_BY_ID_PG"], {"ids": ids})
            rows = b.cursor.fetchall()
    else:
        rows = b.listed("KNOWN", "lrns", sorted(set(lrns)), {"declarant_id": declarant_id})
    return {lrn: (ident, mrn, status, digest) for ident, lrn, mrn, status, digest in rows}


def _key_ids(b: Binder, declarant_id: str, lrns: list[str]) -> list[int]:
    """The ids of the declarant's keys among `lrns` (PostgreSQL). A few LRNs (a desk's group) by their unique
    index one at a time, in one round trip: that prepared statement's plan is made once; KNOWN_KEYS_PG, whose
    array PostgreSQL plans afresh at each call (a generic plan of an array's rows guesses a hundred of them, so
    the one made for the array at hand always looks cheaper), cost the server 0.08 ms more a group."""
    if len(lrns) >= FEW:
        b.cursor.execute(b.sql["KNOWN_KEYS_PG"], {"declarant_id": declarant_id, "lrns": lrns})
        return [ident for ident, in b.cursor.fetchall()]
    if len(lrns) == 1:
        found = b.one("BY_LRN_PG", {"declarant_id": declarant_id, "lrn": lrns[0]})
        return [] if found is None else [found]
    b.cursor.executemany(b.sql["BY_LRN_PG"], [{"declarant_id": declarant_id, "lrn": lrn} for lrn in lrns],
                         returning=True)
    return [ident for ident, in returned_rows(b.cursor)]


def first_contents(session: Session, ids: list[int]) -> dict[int, Any]:
    """The first version's content of each declaration of `ids`."""
    rows = Binder(session).listed("FIRST", "ids", sorted(set(ids)), {})
    return {ident: orjson.loads(text) if isinstance(text, (str, bytes)) else text for ident, text in rows}


def _copy_of(sql: str) -> tuple[str, list[tuple[str | None, Any]]]:
    """The COPY of a one-row INSERT, with how each column's value is had: (parameter name, None), or (None, the
    value written in the statement: NULL or a number)."""
    found = re.fullmatch(r"INSERT INTO (\w+) \(([^)]*)\) VALUES \((.*)\)", sql)
    assert found is not None, sql
    table, columns, values = found.group(1), found.group(2), [v.strip() for v in found.group(3).split(",")]
    how = [(v.removeprefix(":").strip("{}"), None) if v.startswith((":", "{")) else (None, None if v == "NULL" else int(v))
           for v in values]
    return f"COPY {table} ({columns}) FROM STDIN", how


_COPY = {name: _copy_of(globals()[name]) for name in ("ITEM", "DOCUMENT", "VERSION", "DECLARATION_PG")} | {
    name: _copy_of(globals()[name].removesuffix(" RETURNING id")) for name in ("CONTAINER", "STATUS", "DECLARATION")}


_ITEM_ARRAYS = (("lines", "line"), ("codes", "hs_code"), ("descriptions", "description"), ("origins", "origin"),
                ("quantities", "quantity"), ("units", "unit"), ("gross", "gross_weight_kg"), ("net", "net_weight_kg"),
                ("values", "value"))
FEW = 8  # LRNs from which a set's lookup and MRN update go as one statement on arrays (a batch's chunk), not
# one prepared statement each in a round trip (a desk's group: see _key_ids)
PART = 500  # values listed in one statement: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters


def insert_lodgements(session: Session, lodgements: list[dict[str, Any]], *, at: datetime, actor: str,
                      reason: str = "lodged") -> tuple[list[Any], list[dict[str, Any]]]:
    """(the ids of many new declarations, in order; on PostgreSQL their own rows, not written yet), each with its
    children, first status and first version, as `insert_lodgement` writes one (each of `lodgements`: its
    arguments head, content, items, containers and documents): one statement a table (an executemany, or on
    PostgreSQL a COPY), the declarations' returning their ids. On PostgreSQL everything refers to a
    declaration's keys, written here with its provisional MRN, so the declarations' own rows (wide, with four
    indexes) are written by `set_mrns` with the MRNs drawn, rather than updated then. A desk's few on PostgreSQL
    (fewer than FEW): the id None, and nothing written, for a declaration whose LRN is taken."""
    b = Binder(session)
    when = b.time(at)
    texts = [json_text(one["content"]) for one in lodgements]
    rows = [{**one["head"], "content": text, "at": when, "status": "accepted"} for one, text in zip(lodgements, texts)]
    later: list[dict[str, Any]] = []
    if b.dialect == "postgresql":  # their keys draw their ids
        few = len(rows) < FEW
        if few:  # a desk's few: the children with them (see KEYS_AND_CHILDREN_PG)
            b.cursor.execute(b.sql["KEYS_AND_CHILDREN_PG"], _group_json(lodgements, rows, texts) | {
                "at": when, "actor": actor, "reason": reason, "status": "accepted"})
        else:
            b.cursor.execute(b.sql["KEYS_PG"], {"declarants": [row["declarant_id"] for row in rows],
                                                "lrns": [row["lrn"] for row in rows], "mrns": [row["mrn"] for row in rows]})
        by_mrn = dict(b.cursor.fetchall())
        ids = [by_mrn.get(row["mrn"]) for row in rows]
        later = [{**row, "id": new_id} for row, new_id in zip(rows, ids)]
        if few:  # (their children written with them)
            return ids, later
    else:  # SQLite's executemany drops what RETURNING gives; its prepared statement run row by row costs as little
        ids = [b.one("DECLARATION", row) for row in rows]
    b.copy_all([
        ("ITEM", [b.item(it, new_id) for new_id, one in zip(ids, lodgements) for it in one["items"]]),
        ("CONTAINER", [{"declaration_id": new_id, "container": c}
                       for new_id, one in zip(ids, lodgements) for c in one["containers"]]),
        ("DOCUMENT", [{**d, "declaration_id": new_id} for new_id, one in zip(ids, lodgements) for d in one["documents"]]),
        ("STATUS", [{"declaration_id": new_id, "status": "accepted", "at": when, "actor": actor, "reason": reason}
                    for new_id in ids]),
        ("VERSION", [{"declaration_id": new_id, "content": text, "at": when, "actor": actor, "reason": reason}
                     for new_id, text in zip(ids, texts)])])
    return ids, later


def _group_json(lodgements: list[dict[str, Any]], rows: list[dict[str, Any]], texts: list[str]) -> dict[str, str]:
    """KEYS_AND_CHILDREN_PG's JSON arrays: the declarations' keys and first contents, and each child table's rows
    with the provisional MRN of their declaration (amounts as exact decimal text, which PostgreSQL reads as is)."""
    def dumped(values: list[dict[str, Any]]) -> str:
        return orjson.dumps(values).decode()

    return {
        "declarations": dumped([{"declarant_id": row["declarant_id"], "lrn": row["lrn"], "mrn": row["mrn"],
                                 "content": orjson.Fragment(text)} for row, text in zip(rows, texts)]),
        "items": dumped([{"mrn": row["mrn"], **{key: it[key] for _, key in _ITEM_ARRAYS},
                          **{key: None if it[key] is None else format(it[key], "f") for key in _AMOUNTS}}
                         for one, row in zip(lodgements, rows) for it in one["items"]]),
        "containers": dumped([{"mrn": row["mrn"], "container": c} for one, row in zip(lodgements, rows)
                              for c in one["containers"]]),
        "documents": dumped([{"mrn": row["mrn"], "type": d["type"], "reference": d["reference"]}
                             for one, row in zip(lodgements, rows) for d in one["documents"]])}


def insert_lodgement(session: Session, *, head: dict[str, Any], content: dict[str, Any], items: list[dict[str, Any]],
                     containers: list[str], documents: list[dict[str, Any]], at: datetime, actor: str,
                     reason: str = "lodged") -> tuple[int, int, list[int]] | None:
    """(declaration id, status event id, container row ids): the declaration, its children, its first status
    and its first version; None, and nothing written, if the declarant's LRN was lodged meanwhile."""
    b = Binder(session)
    when, text = b.time(at), json_text(content)
    if b.dialect == "postgresql":
        b.cursor.execute(b.sql["LODGEMENT_PG"], {  # (PostgreSQL takes times and amounts as they are: no conversion)
            **head, "content": text, "at": when, "status": "accepted", "actor": actor, "reason": reason,
            **{name: [it[key] for it in items] for name, key in _ITEM_ARRAYS}, "containers": containers,
            "document_types": [d["type"] for d in documents], "references": [d["reference"] for d in documents]})
        written = b.cursor.fetchone()
        return None if written is None else (written[0], written[1], list(written[2]))
    new_id = b.one("NEW_DECLARATION", {**head, "content": text, "at": when, "status": "accepted"})
    if new_id is None:
        return None
    b.many("ITEM", [b.item(it, new_id) for it in items])
    box_ids = [b.one("CONTAINER", {"declaration_id": new_id, "container": c}) for c in containers]
    b.many("DOCUMENT", [{**d, "declaration_id": new_id} for d in documents])
    status_id = b.one("STATUS", {"declaration_id": new_id, "status": "accepted", "at": when, "actor": actor,
                                 "reason": reason})
    b.run("VERSION", {"declaration_id": new_id, "content": text, "at": when, "actor": actor, "reason": reason})
    return new_id, status_id, box_ids
