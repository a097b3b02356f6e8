"""People who sign in to the pages, and their browser sessions: create, list, disable, sign in, sign out.
The rules are in auth.accounts; API keys for machines stay in auth.service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth import accounts
from clearway.auth.core import Principal
from clearway.auth.models import User, WebSession
from clearway.db import utcnow
from clearway.errors import Conflict, FieldError, Invalid, NotFound
from clearway.reference import economies

LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class SignedIn:
    """What a page needs to know about the browser asking: who, and the session's CSRF token."""

    principal: Principal
    username: str
    full_name: str | None
    language: str | None
    csrf: str


def principal_of(user: User) -> Principal:
    return Principal(key_id=0, role=user.role, economy=user.economy, party_id=user.party_id, user=user.username)


def create_user(session: Session, *, username: str, password: str, role: str, economy: str,
                party_id: str | None = None, full_name: str | None = None, language: str | None = None,
                actor: str = "system") -> User:
    username, economy = accounts.normal_username(username), economy.strip().upper()
    party_id = (party_id or "").strip() or None
    errors = accounts.username_errors(username) + accounts.password_errors(password, username=username)
    errors += accounts.role_errors(role, party_id)
    if economies.get(economy) is None:
        errors.append(FieldError("economy", f"{economy!r} is not one of the 21 APEC economies"))
    if language and language not in LANGUAGES:
        errors.append(FieldError("language", f"must be one of {', '.join(LANGUAGES)}"))
    if errors:
        raise Invalid("the user was not created: " + "; ".join(f"{e.path} {e.reason}" for e in errors), errors=errors)
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(f"a user named {username!r} exists", errors=[FieldError("username", "is taken")])
    row = User(username=username, password_hash=accounts.hash_password(password), role=role, economy=economy,
               party_id=party_id if role in ("declarant", "nppo") else None, full_name=(full_name or "").strip() or None,
               language=language or None, created_at=utcnow())
    session.add(row)
    session.flush()
    append_event(session, actor=actor, action="user.created", entity_type="user", entity_id=username,
                 data={"role": role, "economy": economy, "party_id": row.party_id})
    return row


def list_users(session: Session, *, economy: str | None = None) -> list[User]:
    stmt = select(User).order_by(User.username)
    if economy:
        stmt = stmt.where(User.economy == economy)
    return list(session.scalars(stmt))


def get_user(session: Session, *, username: str) -> User:
    row = session.scalars(select(User).where(User.username == accounts.normal_username(username))).one_or_none()
    if row is None:
        raise NotFound(f"no user named {username!r}", errors=[FieldError("username", "no such user")])
    return row


def disable_user(session: Session, *, username: str, actor: str = "system") -> User:
    """The user can no longer sign in, and every session they have open ends now."""
    row = get_user(session, username=username)
    if row.disabled_at is not None:
        raise Conflict(f"{row.username} was already disabled", errors=[
            FieldError("username", f"was already disabled on {row.disabled_at:%Y-%m-%d %H:%M} UTC")])
    row.disabled_at = utcnow()
    session.execute(update(WebSession).where(WebSession.user_id == row.id, WebSession.ended_at.is_(None))
                    .values(ended_at=row.disabled_at))
    append_event(session, actor=actor, action="user.disabled", entity_type="user", entity_id=row.username, data={})
    return row


def set_language(session: Session, *, username: str, language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise Invalid(f"language {language!r} is not offered",
                      errors=[FieldError("language", f"must be one of {', '.join(LANGUAGES)}")])
    get_user(session, username=username).language = language


def sign_in(session: Session, *, username: str, password: str) -> str | None:
    """A new session token for the right password of an enabled user; None otherwise (one answer for
    every refusal, so that a page does not tell which user names exist)."""
    row = session.scalars(select(User).where(User.username == accounts.normal_username(username))).one_or_none()
    if row is None:
        accounts.password_matches(accounts.DUMMY_HASH, password)
        return None
    if not accounts.password_matches(row.password_hash, password) or row.disabled_at is not None:
        return None
    if accounts.HASHER.check_needs_rehash(row.password_hash):
        row.password_hash = accounts.hash_password(password)
    token, now = accounts.new_token(), utcnow()
    session.add(WebSession(token_hash=accounts.token_hash(token), user_id=row.id, csrf=accounts.new_token(),
                           created_at=now, seen_at=now))
    append_event(session, actor=principal_of(row).actor, action="user.signed_in", entity_type="user",
                 entity_id=row.username, data={})
    return token


def signed_in(session: Session, *, token: str) -> SignedIn | None:
    """The user a session token stands for, if the session is alive (and it is kept alive)."""
    found = session.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                            .where(WebSession.token_hash == accounts.token_hash(token))).one_or_none()
    if found is None:
        return None
    web, user = found
    now = utcnow()
    if user.disabled_at is not None or not accounts.session_alive(created_at=web.created_at, seen_at=web.seen_at,
                                                                  ended_at=web.ended_at, now=now):
        return None
    if now - web.seen_at > accounts.TOUCH:  # a write per minute at most, not one per page
        web.seen_at = now
    return SignedIn(principal_of(user), user.username, user.full_name, user.language, web.csrf)


def sign_out(session: Session, *, token: str) -> None:
    session.execute(update(WebSession).where(WebSession.token_hash == accounts.token_hash(token),
                                             WebSession.ended_at.is_(None)).values(ended_at=utcnow()))
