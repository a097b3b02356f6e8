"""`clearway users create/list/disable` against the configured database, as an administrator runs them."""

from __future__ import annotations

import json
import re

from tests.cli_support import run


def test_create_list_and_disable_a_user_then_they_cannot_sign_in(db, server):
    from tests.web.support import PASSWORD, signed_in_client

    made = run(db, "users", "create", "rosa", "--role", "declarant", "--economy", "cl", "--party", "CL-RUT-765432101",
               "--name", "Rosa Díaz", "--language", "es", "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "user rosa (declarant CL CL-RUT-765432101) created"
    rows = json.loads(run(db, "users", "list", "--json").stdout)
    assert [(r["username"], r["role"], r["economy"], r["party"], r["name"], r["disabled"]) for r in rows] == [
        ("rosa", "declarant", "CL", "CL-RUT-765432101", "Rosa Díaz", None)]
    signed_in_client(server, "rosa").close()
    assert run(db, "users", "disable", "rosa").stdout.strip() == "user rosa disabled"
    assert json.loads(run(db, "users", "list", "--json").stdout)[0]["disabled"] is not None


def test_bad_input_exits_2_with_one_line_naming_the_field(db):
    short = run(db, "users", "create", "rosa", "--role", "declarant", "--economy", "CL", "--party", "CL-1",
                "--password-stdin", stdin="too short\n")
    assert short.returncode == 2 and "password: must be at least 15 characters long (it has 9)" in short.stderr
    no_party = run(db, "users", "create", "rosa", "--role", "nppo", "--economy", "CL", "--password-stdin",
                   stdin="a long enough passphrase\n")
    assert no_party.returncode == 2 and "party: a nppo user must name the party id they act for" in no_party.stderr
    twice = [run(db, "users", "create", "pablo", "--role", "officer", "--economy", "PE", "--password-stdin",
                 stdin="a long enough passphrase\n") for _ in range(2)]
    assert twice[0].returncode == 0 and twice[1].returncode == 2 and "username: is taken" in twice[1].stderr
    assert run(db, "users", "disable", "nobody").returncode == 2


def test_the_demo_users_are_created_once_and_printed_with_passwords_that_sign_in(db, server):
    from clearway.demo import DEMO_USERS
    from tests.web.support import signed_in_client

    first = run(db, "demo", "users")
    again = run(db, "demo", "users")
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    for username, role, economy, _, password in DEMO_USERS:
        assert re.search(rf"{username}\s+│\s+{password}\s+│\s+{role}\s+│\s+{economy}", first.stdout), username
        signed_in_client(server, username, password).close()
    assert [r["username"] for r in json.loads(run(db, "users", "list", "--json").stdout)] == \
        sorted(u[0] for u in DEMO_USERS)
