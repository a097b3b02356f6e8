"""The HS finder in the database: SQLite FTS5 on the embedded default, PostgreSQL full-text on production.

The index holds each subheading's stemmed words (nomenclature and national lines, `finder.Doc.text`) and
returns candidates for a query; `finder.rank` orders them, as it does for the in-memory path, so both
engines and the bulk path rank alike. The index fills itself on first use and again whenever the shipped
words change (their digest is kept in `hs_search_state`)."""

from __future__ import annotations

import hashlib
from functools import cache

from sqlalchemy import text
from sqlalchemy.orm import Session

from clearway.reference import finder
from clearway.reference.hs import HsEntry, nomenclature, synonyms

@cache
def _version() -> str:
    corpus = nomenclature().corpus
    digest = hashlib.sha256(b"rowid is the code\n")
    for code in sorted(corpus.docs):
        digest.update(f"{code}:{corpus.docs[code].text()}\n".encode())
    return digest.hexdigest()


def ensure(session: Session) -> bool:
    """Fill or refresh the index if it is not the shipped words' version; True if it wrote."""
    version = _version()
    if session.get_bind().dialect.name == "postgresql":  # two workers starting at once fill it once
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('clearway.hs_search'))"))
    current = session.execute(text("SELECT version FROM hs_search_state WHERE id = 1")).scalar()
    if current == version:
        return False
    corpus = nomenclature().corpus
    session.execute(text("DELETE FROM hs_search"))
    # On SQLite the row id is the code's number, so a search reads the FTS5 index alone (no content rows).
    rowid = "rowid, " if session.get_bind().dialect.name == "sqlite" else ""
    session.execute(text(f"INSERT INTO hs_search ({rowid}code, terms) VALUES ({rowid and ':rowid, '}:code, :terms)"),
                    [{"rowid": int(c), "code": c, "terms": d.text()} for c, d in sorted(corpus.docs.items())])
    if session.get_bind().dialect.name == "postgresql":
        # Fresh rows wait in the GIN index's pending list, which every search would read through; merge them.
        session.execute(text("SELECT gin_clean_pending_list('ix_hs_search_terms')"))
    session.execute(text("DELETE FROM hs_search_state"))
    session.execute(text("INSERT INTO hs_search_state (id, version) VALUES (1, :v)"), {"v": version})
    return True


def candidates(session: Session, terms: list[str]) -> set[str]:
    """Codes whose words contain any of the terms."""
    if not terms:
        return set()
    # finder.words keeps letters only, so the terms need no quoting beyond FTS5's phrase quotes.
    if session.get_bind().dialect.name == "sqlite":
        q = " OR ".join(f'"{t}"' for t in terms)
        rows = session.execute(text("SELECT rowid FROM hs_search WHERE hs_search MATCH :q"), {"q": q}).scalars()
        return {f"{r:06d}" for r in rows}
    sql = "SELECT code FROM hs_search WHERE to_tsvector('simple', terms) @@ to_tsquery('simple', :q)"
    return set(session.execute(text(sql), {"q": " | ".join(terms)}).scalars())


def search(session: Session, query: str, limit: int = 10) -> list[tuple[HsEntry, float]]:
    """Subheadings for a description of goods, best first, with their scores."""
    ensure(session)
    terms = [t for t in finder.query_weights(query, synonyms()) if t.isalpha()]
    return nomenclature().ranked(query, candidates(session, terms), limit)
