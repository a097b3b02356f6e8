"""The sign-in rules as tables, without a database (auth.accounts, web.session.safe_next, web.i18n.negotiate).

Passwords: NIST SP 800-63B-4 (August 2025) section 3.1.1.2, "Password Verifiers": passwords used as a
single-factor authenticator SHALL be at least 15 characters; at least 64 SHOULD be permitted; each Unicode code
point counts as one character; no other composition rules SHALL be imposed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clearway.auth import accounts
from clearway.web.i18n import negotiate
from clearway.web.session import safe_next

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("password,username,reason", [
    ("fourteen chars", "ana", "must be at least 15 characters long (it has 14)"),
    ("fifteen chars!!", "ana", None),
    ("a" * 64, "ana", None),  # 64 characters are accepted (the SHOULD of 3.1.1.2)
    ("ñandú" * 3, "ana", None),  # 15 code points, more bytes: counted as 15 characters
    ("alllowercaseonly", "ana", None),  # no composition rule
    ("my name is ana-maria!", "ana-maria", "must not contain the user name"),
    ("x" * 257, "ana", "must be at most 256 characters long"),
])
def test_password_rules_follow_nist_800_63b_4(password, username, reason):
    errors = accounts.password_errors(password, username=username)
    assert [e.reason for e in errors] == ([reason] if reason else [])
    assert all(e.path == "password" for e in errors)


@pytest.mark.parametrize("username,ok", [("ana", True), ("trader.au-1", True), ("a", False), ("Ana", False),
                                         ("-ana", False), ("ana maria", False), ("a" * 61, False)])
def test_user_names(username, ok):
    assert (accounts.username_errors(username) == []) is ok


def test_a_password_is_stored_as_argon2id_and_only_the_same_text_matches():
    stored = accounts.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert accounts.password_matches(stored, "correct horse battery staple")
    assert not accounts.password_matches(stored, "correct horse battery stapl")
    assert not accounts.password_matches("not a hash", "correct horse battery staple")
    # NFKC before hashing (SP 800-63B-4): the full-width form of the same letters matches
    assert accounts.password_matches(accounts.hash_password("ｐａｓｓｐｈｒａｓｅ ｏｆ ｆｕｌｌ ｗｉｄｔｈ"),
                                     "passphrase of full width")


@pytest.mark.parametrize("seen_after,created_before,ended,alive", [
    (timedelta(minutes=5), timedelta(hours=1), False, True),
    (accounts.IDLE, timedelta(hours=3), False, False),  # idle too long
    (timedelta(minutes=1), accounts.ABSOLUTE, False, False),  # signed in too long ago
    (timedelta(minutes=1), timedelta(hours=1), True, False),  # signed out
])
def test_session_lifetime(seen_after, created_before, ended, alive):
    now = T0 + timedelta(hours=20)
    assert accounts.session_alive(created_at=now - created_before, seen_at=now - seen_after,
                                  ended_at=now if ended else None, now=now) is alive


@pytest.mark.parametrize("raw,expected", [
    ("/trader/declarations?status=released", "/trader/declarations?status=released"),
    ("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"), ("", "/"), ("trader", "/"),
])
def test_only_a_path_of_this_site_is_followed_after_sign_in(raw, expected):
    assert safe_next(raw) == expected


@pytest.mark.parametrize("header,language", [
    ("es-CL,es;q=0.9,en;q=0.8", "es"), ("en-US,en;q=0.9,es;q=0.8", "en"), ("fr-FR,es;q=0.5", "es"),
    ("fr, de", "en"), ("", "en"), (None, "en"), ("es;q=0", "en"), ("en;q=0.2, es-MX;q=0.7", "es"),
])
def test_the_browser_language_picks_an_offered_one(header, language):
    assert negotiate(header) == language
