"""The environmental goods list in force (the newest edition an administrator loaded, else the shipped one),
loading an edition, and its history. Runs inside the caller's transaction; every load is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal, is_admin
from clearway.db import driver_cursor, utcnow
from clearway.errors import FieldError, Forbidden, Invalid
from clearway.green import egl
from clearway.green.models import EnvironmentalGoodsEdition

ENTITY = "environmental_goods_list"
# Run as written on the driver's cursor (db.driver_cursor): every declaration answer asks it, and through
# SQLAlchemy it cost some 60 us of a lodgement's 1 ms (issue 16).
NEWEST = f"SELECT id, loaded_at FROM {EnvironmentalGoodsEdition.__tablename__} ORDER BY id DESC LIMIT 1"
_known: dict[tuple[Any, ...], egl.Edition] = {}  # (database, id, when loaded) -> the edition parsed; an edition is
# never changed once loaded, so these name its text


def edition(session: Session) -> egl.Edition:
    """The edition in force, parsed once per process (every declaration read flags its goods against it): a read
    asks the database only which edition that is (two small columns; the text the first time only)."""
    cursor = driver_cursor(session)
    cursor.execute(NEWEST)
    newest = cursor.fetchone()
    if newest is None:
        return egl.shipped()
    key = (session.get_bind().url, *newest)  # (loaded_at as the driver gives it: text on SQLite)
    parsed = _known.get(key)
    if parsed is None:
        name, text = session.execute(select(EnvironmentalGoodsEdition.name, EnvironmentalGoodsEdition.text).where(
            EnvironmentalGoodsEdition.id == newest[0])).one()
        if len(_known) >= 8:  # a few at most: a new edition is loaded now and then
            _known.clear()
        parsed = _known[key] = egl.parse(text, name=name)
    return parsed


def listed(session: Session) -> frozenset[str]:
    return edition(session).subheadings()


def load(session: Session, *, principal: Principal | None, actor: str, name: str, text: str,
         reason: str) -> EnvironmentalGoodsEdition:
    """Put a new edition in force (an administrator; the CLI passes no principal). A file with any bad line
    is refused whole."""
    if principal is not None and not is_admin(principal):
        raise Forbidden("only the installation's administrator loads an edition of the environmental goods list")
    if not reason.strip():
        raise Invalid("say where the edition comes from", errors=[FieldError("reason", "is required")])
    if not name.strip():
        raise Invalid("name the edition", errors=[FieldError("name", "is required")])
    parsed = egl.parse(text, name=name.strip())
    before = len(listed(session))
    row = EnvironmentalGoodsEdition(name=parsed.name, text=text, subheadings=len(parsed.subheadings()),
                                    reason=reason.strip(), loaded_at=utcnow(), actor=actor)
    session.add(row)
    session.flush()
    append_event(session, actor=actor, action="environmental_goods.edition_loaded", entity_type=ENTITY,
                 entity_id=str(row.id), data={"name": row.name, "subheadings": row.subheadings,
                                              "before": before, "reason": row.reason})
    return row


def editions(session: Session) -> list[dict[str, Any]]:
    """Every loaded edition, newest first, then the shipped one."""
    rows = session.scalars(select(EnvironmentalGoodsEdition).order_by(EnvironmentalGoodsEdition.id.desc()))
    out = [{"id": r.id, "name": r.name, "subheadings": r.subheadings, "reason": r.reason, "loaded_at": r.loaded_at,
            "actor": r.actor} for r in rows]
    shipped = egl.shipped()
    out.append({"id": None, "name": shipped.name, "subheadings": len(shipped.subheadings()),
                "reason": "shipped with Clearway (green/data/SOURCE.md)", "loaded_at": None, "actor": None})
    return out
