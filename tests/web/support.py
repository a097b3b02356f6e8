"""Helpers for page tests: users made in the test database, and a signed-in client or browser page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from clearway.auth.users import create_user
from clearway.db import transaction

PASSWORD = "correct horse battery staple"  # 28 characters: passes the 15-character rule
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_user(db, username: str, role: str, economy: str = "AU", party: str | None = None, **more) -> str:
    with transaction(db.factory) as session:
        create_user(session, username=username, password=PASSWORD, role=role, economy=economy, party_id=party,
                    actor="test", **more)
    return username


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form carrying a CSRF token"
    return found.group(1)


def signed_in_client(server, username: str, password: str = PASSWORD, **client) -> httpx.Client:
    """An HTTP client that signed in at /login like a browser (cookie jar, CSRF token from the form)."""
    c = httpx.Client(base_url=server.url, timeout=30, follow_redirects=False, **client)
    form = c.get("/login")
    r = c.post("/login", data={"username": username, "password": password, "csrf": csrf_of(form.text)})
    assert r.status_code == 303, r.text
    return c


def sign_in(page, server, username: str, password: str = PASSWORD, next_path: str = "") -> None:
    """Sign in with the form in a real browser page."""
    page.goto(server.url + "/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#sign-in-button")
    page.wait_for_load_state("load")


@contextmanager
def signed_in_as(server, username: str, password: str = PASSWORD, **client) -> Iterator[httpx.Client]:
    c = signed_in_client(server, username, password, **client)
    try:
        yield c
    finally:
        c.close()
