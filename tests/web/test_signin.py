"""Signing in over real HTTP on both databases: sessions, cookies, CSRF, the security headers, and the page
language. Browser-level checks of the same are in tests/e2e/test_signin_e2e.py."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.routing import APIRoute

from clearway.app import PAGE_POLICY, _routers
from clearway.auth.core import ROLES
from clearway.auth.users import disable_user
from clearway.db import transaction
from tests.web.support import PASSWORD, csrf_of, make_user, signed_in_as, signed_in_client


def test_a_page_without_a_session_goes_to_login_and_comes_back_after(db, server):
    make_user(db, "olga", "officer")
    with httpx.Client(base_url=server.url, timeout=30) as c:
        r = c.get("/alerts?status=closed", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=/alerts%3Fstatus%3Dclosed"
        form = c.get(r.headers["location"])
        assert 'name="next" value="/alerts?status=closed"' in form.text
        r = c.post("/login", data={"username": "olga", "password": PASSWORD, "next": "/alerts?status=closed",
                                   "csrf": csrf_of(form.text)}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/alerts?status=closed"
        page = c.get("/alerts?status=closed")
        assert page.status_code == 200
        who = re.search(r'<span id="signed-in">(.*?)</span>', page.text, re.S).group(1)
        assert "olga" in who and "officer, AU" in who


def test_the_session_cookie_is_http_only_same_site_and_holds_no_user_data(db, server):
    make_user(db, "tom", "declarant", party="AU-ABN-11222333444")
    with httpx.Client(base_url=server.url, timeout=30) as c:
        form = c.get("/login")
        r = c.post("/login", data={"username": "tom", "password": PASSWORD, "csrf": csrf_of(form.text)})
        cookie = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("clearway_session=")][0]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # served over plain HTTP here; over TLS it is Secure (test below)
        token = cookie.split(";")[0].split("=", 1)[1]
        assert len(token) >= 43 and "tom" not in token
        assert r.headers["location"] == "/trader/"  # a trader's home


def test_the_session_cookie_is_secure_over_tls(db, server):
    from clearway.web import session
    from starlette.requests import Request
    from starlette.responses import Response

    response = Response()
    request = Request({"type": "http", "scheme": "https", "path": "/login", "headers": [], "server": ("x", 443)})
    session.set_session_cookie(response, request, "token")
    assert "Secure" in response.headers["set-cookie"]


def test_a_wrong_password_an_unknown_user_and_a_disabled_user_get_the_same_answer(db, server):
    make_user(db, "ana", "officer")
    make_user(db, "bea", "officer")
    with transaction(db.factory) as session:
        disable_user(session, username="bea", actor="test")
    answers = []
    for username, password in (("ana", PASSWORD + "x"), ("nobody", PASSWORD), ("bea", PASSWORD)):
        with httpx.Client(base_url=server.url, timeout=30) as c:
            form = c.get("/login")
            r = c.post("/login", data={"username": username, "password": password, "csrf": csrf_of(form.text)})
            assert "clearway_session" not in r.headers.get("set-cookie", "")
            answers.append((r.status_code, re.search(r'id="login-error"[^>]*>(.*?)<', r.text).group(1)))
    assert answers == [(401, "That user name and password do not match an active account.")] * 3


def test_disabling_a_user_ends_their_open_session(db, server):
    make_user(db, "carl", "officer")
    with signed_in_as(server, "carl") as c:
        assert c.get("/alerts").status_code == 200
        with transaction(db.factory) as session:
            disable_user(session, username="carl", actor="test")
        assert c.get("/alerts").status_code == 303


def test_sign_out_ends_the_session_on_the_server_not_only_the_cookie(db, server):
    make_user(db, "dora", "officer")
    with signed_in_as(server, "dora") as c:
        token = c.cookies["clearway_session"]
        page = c.get("/alerts")
        r = c.post("/logout", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 303 and r.headers["location"] == "/login"
    with httpx.Client(base_url=server.url, timeout=30, cookies={"clearway_session": token}) as replay:
        assert replay.get("/alerts", follow_redirects=False).status_code == 303


def test_a_page_for_another_role_is_refused_with_a_page_saying_why(db, server):
    make_user(db, "tina", "declarant", party="AU-ABN-11222333444")
    with signed_in_as(server, "tina") as c:
        r = c.get("/alerts")
        assert r.status_code == 403 and "text/html" in r.headers["content-type"]
        assert "This page is for another role (officer, admin); you are signed in as declarant." in r.text
        assert c.get("/admin/").status_code == 403


def _page_posts() -> list[str]:
    return sorted({r.path for router in _routers("clearway.web") for r in router.routes
                   if isinstance(r, APIRoute) and "POST" in r.methods})


def test_every_page_form_post_without_its_csrf_token_is_refused(db, server):
    """For every POST route of the pages and a signed-in user of every role: without the token, or with
    another session's token, nothing happens (403); for the roles the route is for, the page says why."""
    parties = {"declarant": "AU-ABN-11222333444", "nppo": "NPPO-AU"}
    clients = {role: signed_in_client(server, make_user(db, f"u-{role}", role, party=parties.get(role)))
               for role in ROLES}
    other = signed_in_client(server, make_user(db, "u-other", "admin"))
    stolen = csrf_of(other.get("/admin/").text)
    try:
        for path in _page_posts():
            url = re.sub(r"\{\w+\}", "1", path)
            told = []
            for role, c in clients.items():
                for token in ("", stolen):
                    r = c.post(url, data={"csrf": token, "language": "es", "username": "x", "next": "/"})
                    assert r.status_code == 403, f"{path} as {role} with token {token[:5]!r}: {r.status_code}"
                    told.append("security token is missing or out of date" in r.text)
            assert any(told), f"{path}: no role was told the form lacked its token"
    finally:
        for c in [*clients.values(), other]:
            c.close()


def test_security_headers_on_every_page_and_no_store_when_signed_in(db, server):
    make_user(db, "olga", "officer")
    with signed_in_as(server, "olga") as c:
        for path in ("/", "/hs?q=wine", "/login", "/alerts"):
            h = c.get(path).headers
            assert h["content-security-policy"] == PAGE_POLICY, path
            assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff", path
            assert h["referrer-policy"] == "same-origin" and h["cache-control"] == "no-store", path
    assert "'unsafe-inline'" not in PAGE_POLICY and "frame-ancestors 'none'" in PAGE_POLICY
    assert "script-src 'self';" in PAGE_POLICY and "style-src 'self';" in PAGE_POLICY


@pytest.mark.parametrize("accept,expected", [("es-CL,es;q=0.9", "Iniciar sesión"), ("en-AU", "Sign in")])
def test_the_login_page_speaks_the_browsers_language(db, http, accept, expected):
    r = http.get("/login", headers={"accept-language": accept})
    assert re.search(r"<h1>(.*?)</h1>", r.text).group(1) == expected
    assert f'<html lang="{accept[:2]}">' in r.text


def test_a_user_chooses_a_language_that_wins_over_the_browsers(db, server):
    make_user(db, "olga", "officer")
    with signed_in_as(server, "olga", headers={"accept-language": "en"}) as c:
        page = c.get("/alerts")
        assert "Seal alerts" in page.text
        r = c.post("/account/language", data={"csrf": csrf_of(page.text), "language": "es", "next": "/alerts"})
        assert r.status_code == 303 and r.headers["location"] == "/alerts"
        assert '<span id="signed-in">Sesión iniciada como' in c.get("/alerts").text
        r = c.post("/account/language", data={"csrf": csrf_of(page.text), "language": "xx", "next": "/alerts"})
        assert r.status_code == 422 and "language: must be one of en, es" in r.text
