"""The authorisation matrix (issue 18): every route of the app (every method) x every role x own / other
party / other economy answers what the design says. The table below names, for each route, who may call it;
a new route without an entry fails `test_every_route_has_an_entry`, an entry whose route is gone fails too.

- PUBLIC: no key and no sign-in needed (published figures, reference pages, the probes, sign-in itself).
- key(roles): an API route: no key -> 401; a key of another role -> 403; a key of one of `roles` gets past
  the role check (its answer is the route's own: 200, 404, 409, 422...).
- key(ANY): any valid key; key(INPUT_FIRST): the route reads its input before deciding who may (the service
  decides, e.g. the declarant of that declaration, the admin of that economy): with made-up input every
  role gets 404 or 422 here, and the decision on real data is in the domain's tests (listed in
  docs/security.md) and, for declarations, in `test_a_declaration_is_reached_by_its_own_party_and_customs_only`.
- page(roles): a page: not signed in -> 303 to /login; signed in with another role -> 403 "for another
  role"; one of `roles` gets past the role check (a POST then meets the CSRF check: 403 without the token).

Own / other party / other economy for the lists and reads of every resource is tests/test_access_rules.py
(what a key lists is what it can read, keys of every role in two economies)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import httpx

from clearway.auth.core import ROLES
from tests.support import example
from tests.test_access_rules import get_all_routes
from tests.web.support import make_user, signed_in_client

ANY = "any"
INPUT_FIRST = "input first"


@dataclass(frozen=True)
class Rule:
    kind: str  # public | key | page
    roles: tuple[str, ...] = ()
    mode: str = ""  # ANY, INPUT_FIRST or "" (the roles named)


PUBLIC = Rule("public")


def key(*roles: str) -> Rule:
    return Rule("key", mode=roles[0]) if roles and roles[0] in (ANY, INPUT_FIRST) else Rule("key", roles)


def page(*roles: str) -> Rule:
    return Rule("page", mode=ANY) if roles == (ANY,) else Rule("page", roles)


MATRIX: dict[str, Rule] = {
    "GET /": PUBLIC,
    "POST /account/language": page(ANY),
    "GET /admin/": page("admin"),
    "GET /admin/essential-goods": page("admin"),
    "POST /admin/essential-goods": page("admin"),
    "POST /admin/keys": page("admin"),
    "POST /admin/keys/{key_id}/revoke": page("admin"),
    "POST /admin/users": page("admin"),
    "POST /admin/users/{username}/disable": page("admin"),
    "GET /alerts": page("officer", "admin"),
    "GET /alerts/{alert_id}": page("officer", "admin"),
    "POST /alerts/{alert_id}/close": page("officer", "admin"),
    "GET /api/v1/alerts": key("officer", "admin"),
    "GET /api/v1/alerts/measures": key("officer", "admin"),
    "GET /api/v1/alerts/{alert}": key("officer", "admin"),
    "POST /api/v1/alerts/{alert}/close": key(INPUT_FIRST),
    "POST /api/v1/assessments/quote": key(INPUT_FIRST),
    "POST /api/v1/certificates/ephyto": key("nppo"),
    "GET /api/v1/certificates/ephyto": key("officer", "admin", "nppo"),
    "POST /api/v1/certificates/ephyto/validate": key(ANY),
    "GET /api/v1/certificates/ephyto/{number}": key("officer", "admin", "nppo"),
    "POST /api/v1/certificates/ephyto/{number}/replace": key(INPUT_FIRST),
    "POST /api/v1/certificates/ephyto/{number}/withdraw": key(INPUT_FIRST),
    "GET /api/v1/certificates/ephyto/{number}/xml": key("officer", "admin", "nppo"),
    "POST /api/v1/certificates/exchange": key("admin", "nppo"),
    "POST /api/v1/certificates/nppo-certificates": key(INPUT_FIRST),
    "GET /api/v1/certificates/nppo-certificates/{economy}": key("admin", "nppo"),
    "POST /api/v1/consignments/bulk": key("declarant", "officer", "admin"),
    "PUT /api/v1/dashboard/entered/{key}": key(INPUT_FIRST),
    "GET /api/v1/dashboard/entered/{key}/history": key(INPUT_FIRST),
    "GET /api/v1/dashboard/indicators": PUBLIC,
    "GET /api/v1/dashboard/indicators/{key}.csv": PUBLIC,
    "POST /api/v1/dashboard/publications": key(INPUT_FIRST),
    "GET /api/v1/dashboard/region": PUBLIC,
    "POST /api/v1/declarations": key(INPUT_FIRST),
    "POST /api/v1/declarations/batch": key("declarant"),
    "GET /api/v1/declarations": key(ANY),
    "GET /api/v1/declarations/{mrn}": key(INPUT_FIRST),
    "POST /api/v1/declarations/{mrn}/amendments": key(INPUT_FIRST),
    "POST /api/v1/declarations/{mrn}/assessment": key(INPUT_FIRST),
    "GET /api/v1/declarations/{mrn}/assessment": key(INPUT_FIRST),
    "POST /api/v1/declarations/{mrn}/cancel": key(INPUT_FIRST),
    "POST /api/v1/declarations/{mrn}/inspection": key("officer"),
    "GET /api/v1/declarations/{mrn}/inspection": key("officer"),
    "POST /api/v1/declarations/{mrn}/lane": key("officer"),
    "GET /api/v1/declarations/{mrn}/lane": key(INPUT_FIRST),
    "POST /api/v1/declarations/{mrn}/payment-reference": key(INPUT_FIRST),
    "POST /api/v1/declarations/{mrn}/payments": key(INPUT_FIRST),
    "POST /api/v1/declarations/{mrn}/security": key(INPUT_FIRST),
    "GET /api/v1/declarations/{mrn}/versions": key(INPUT_FIRST),
    "GET /api/v1/declarations/{mrn}/responses": key(INPUT_FIRST),
    "GET /api/v1/declarations/{mrn}/responses/{sequence}": key(INPUT_FIRST),
    "PUT /api/v1/wco/callback": key(INPUT_FIRST),
    "GET /api/v1/wco/callback": key(INPUT_FIRST),
    "DELETE /api/v1/wco/callback": key(INPUT_FIRST),
    "GET /api/v1/metrics/time-release": PUBLIC,
    "POST /api/v1/payments/deferred-accounts": key("officer", "admin"),
    "GET /api/v1/payments/deferred-accounts": key(ANY),
    "GET /api/v1/payments/deferred-accounts/{number}/statement": key(INPUT_FIRST),
    "POST /api/v1/payments/guarantees": key("officer", "admin"),
    "GET /api/v1/reference/economies": key(ANY),
    "GET /api/v1/reference/hs": key(INPUT_FIRST),
    "GET /api/v1/reference/hs/{code}": key(INPUT_FIRST),
    "GET /api/v1/reference/offices": key(ANY),
    "GET /api/v1/release/{code}": PUBLIC,
    "GET /api/v1/risk/essential-goods": PUBLIC,
    "PUT /api/v1/risk/essential-goods/{economy}/{subheading}": key(INPUT_FIRST),
    "DELETE /api/v1/risk/essential-goods/{economy}/{subheading}": key(INPUT_FIRST),
    "GET /api/v1/risk/essential-goods/{economy}/{subheading}/history": PUBLIC,
    "GET /api/v1/risk/policy": key("officer", "admin"),
    "PUT /api/v1/risk/policy": key("admin"),
    "POST /api/v1/risk/rules": key("officer", "admin"),
    "GET /api/v1/risk/rules": key("officer", "admin"),
    "GET /api/v1/risk/rules/{code}": key("officer", "admin"),
    "PUT /api/v1/risk/rules/{code}": key("officer", "admin"),
    "POST /api/v1/risk/rules/{code}/retire": key("officer", "admin"),
    "GET /api/v1/risk/rules/{code}/versions": key("officer", "admin"),
    "POST /api/v1/seal-events": key("officer", "admin"),
    "GET /api/v1/seal-events/refusals": key("officer", "admin"),
    "GET /api/v1/seal-events/refusals/{refusal}": key("officer", "admin"),
    "POST /api/v1/seals": key(INPUT_FIRST),
    "GET /api/v1/seals": key("officer", "admin"),
    "GET /api/v1/seals/{seal}": key("officer", "admin"),
    "GET /api/v1/seals/{seal}/events": key("officer", "admin"),
    "POST /api/v1/seals/{seal}/remove": key(INPUT_FIRST),
    "GET /api/v1/tariff/{economy}/lines/{code}": PUBLIC,
    "GET /api/v1/green/tariff-check": PUBLIC,
    "GET /api/v1/green/list/editions": PUBLIC,
    "POST /api/v1/green/list/editions": key("admin"),
    "GET /api/v1/tfa/commitments": PUBLIC,
    "GET /api/v1/tfa/commitments/{economy}/{measure}": PUBLIC,
    "PUT /api/v1/tfa/commitments/{economy}/{measure}": key(INPUT_FIRST),
    "GET /api/v1/tfa/commitments/{economy}/{measure}/history": PUBLIC,
    "GET /api/v1/tfa/gaps": PUBLIC,
    "GET /api/v1/tfa/heatmap": PUBLIC,
    "GET /api/v1/tfa/matches": PUBLIC,
    "GET /api/v1/tfa/measures": PUBLIC,
    "GET /api/v1/tfa/projects": PUBLIC,
    "GET /api/v1/tfa/projects/{code}": PUBLIC,
    "PUT /api/v1/tfa/projects/{code}": key(INPUT_FIRST),
    "GET /api/v1/tfa/projects/{code}/history": PUBLIC,
    "GET /api/v1/tfa/stocktake/{economy}": PUBLIC,
    "GET /api/v1/workforce/actions/{economy}": key("officer", "admin"),
    "GET /api/v1/workforce/assessments/{economy}": key("officer", "admin"),
    "PUT /api/v1/workforce/assessments/{economy}/{assessed_on}/{indicator}": key(INPUT_FIRST),
    "GET /api/v1/workforce/metrics": key("officer", "admin"),
    "PUT /api/v1/workforce/metrics/{economy}/{year}": key(INPUT_FIRST),
    "GET /api/v1/workforce/metrics/{economy}/{year}": key("officer", "admin"),
    "GET /api/v1/workforce/metrics/{economy}/{year}/history": key("officer", "admin"),
    "GET /api/v1/workforce/regional": PUBLIC,
    "GET /api/v1/workforce/scores/{economy}": PUBLIC,
    "GET /certificates/print/{code}": PUBLIC,
    "GET /certificates/verify": PUBLIC,
    "GET /dashboard": PUBLIC,
    "GET /dashboard/admin": page("admin"),
    "POST /dashboard/admin": page("admin"),
    "GET /dashboard/region": PUBLIC,
    "GET /dashboard/region/{key}.csv": PUBLIC,
    "GET /dashboard/{pillar}": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /gender": PUBLIC,
    "GET /gender/{economy}": PUBLIC,
    "GET /gender/{economy}/edit": page("admin"),
    "POST /gender/{economy}/metrics": page("admin"),
    "POST /gender/{economy}/ratings": page("admin"),
    "GET /healthz": PUBLIC,
    "GET /hs": PUBLIC,
    "GET /hs/suggest": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": page(ANY),
    "GET /metrics": PUBLIC,
    "GET /nppo/": page("nppo"),
    "GET /nppo/certificates/{number}": page("nppo"),
    "GET /nppo/certificates/{number}/replace": page("nppo"),
    "POST /nppo/certificates/{number}/replace": page("nppo"),
    "POST /nppo/certificates/{number}/withdraw": page("nppo"),
    "POST /nppo/exchange": page("nppo"),
    "GET /nppo/issue": page("nppo"),
    "POST /nppo/issue": page("nppo"),
    "GET /officer/": page("officer", "admin"),
    "GET /officer/accounts": page("officer", "admin"),
    "POST /officer/accounts": page("officer", "admin"),
    "GET /officer/accounts/{number}": page("officer", "admin"),
    "GET /officer/declarations/{mrn}": page("officer", "admin"),
    "POST /officer/declarations/{mrn}/inspection": page("officer"),
    "POST /officer/guarantees": page("officer", "admin"),
    "GET /officer/policy": page("officer", "admin"),
    "POST /officer/policy": page("admin"),
    "GET /officer/rules": page("officer", "admin"),
    "POST /officer/rules": page("officer", "admin"),
    "GET /officer/rules/{code}": page("officer", "admin"),
    "POST /officer/rules/{code}": page("officer", "admin"),
    "POST /officer/rules/{code}/retire": page("officer", "admin"),
    "GET /openapi.json": PUBLIC,
    "GET /problems": PUBLIC,
    "GET /problems/{kind}": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /redoc": PUBLIC,
    "GET /release/verify": PUBLIC,
    "GET /tfa": PUBLIC,
    "GET /tfa/economies/{economy}": PUBLIC,
    "GET /tfa/economies/{economy}/edit": page("admin"),
    "POST /tfa/economies/{economy}/edit": page("admin"),
    "GET /tfa/gaps": PUBLIC,
    "GET /tfa/matches": PUBLIC,
    "GET /tfa/measures/{measure}": PUBLIC,
    "GET /trader/": page("declarant"),
    "GET /trader/account": page("declarant"),
    "GET /trader/account/{number}/statement.csv": page("declarant"),
    "GET /trader/declarations/{mrn}": page("declarant"),
    "POST /trader/declarations/{mrn}/assess": page("declarant"),
    "POST /trader/declarations/{mrn}/pay": page("declarant"),
    "POST /trader/declarations/{mrn}/payment-reference": page("declarant"),
    "GET /trader/declarations/{mrn}/release": page("declarant"),
    "POST /trader/declarations/{mrn}/secure": page("declarant"),
    "GET /trader/lodge": page("declarant"),
    "POST /trader/lodge": page("declarant"),
    "GET /trader/parcels": page("declarant"),
    "POST /trader/parcels": page("declarant"),
    "GET /trader/upload": page("declarant"),
    "POST /trader/upload": page("declarant"),
    "GET /trader/upload/template.csv": page("declarant"),

}

PLACEHOLDERS = {"economy": "AU", "year": "2025", "assessed_on": "2025-01-01", "measure": "1.1", "subheading": "080510",
                "pillar": "trade", "alert": "1", "alert_id": "1", "seal": "1", "refusal": "1", "key_id": "1"}
PARTY = {"declarant": "AU-ABN-11222333444", "nppo": "NPPO-AU"}


def concrete(path: str, **given: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: given.get(m[1]) or PLACEHOLDERS.get(m[1], "X1"), path)


def send(client: httpx.Client, entry: str, **given: str) -> httpx.Response:
    method, path = entry.split(" ", 1)
    body = {} if method != "GET" else None
    if path.startswith("/api/"):
        return client.request(method, concrete(path, **given), json=body)
    return client.request(method, concrete(path, **given), data=body, follow_redirects=False)


def to_login(r: httpx.Response) -> bool:
    return r.status_code == 303 and r.headers.get("location", "").startswith("/login")


def test_every_route_has_an_entry():
    routes = get_all_routes()
    assert sorted(routes - set(MATRIX)) == [], "routes missing from the authorisation matrix: add an entry"
    assert sorted(set(MATRIX) - routes) == [], "the matrix names routes that no longer exist"


def test_without_credentials_only_public_routes_answer(db, server):
    wrong = []
    with httpx.Client(base_url=server.url, timeout=60) as anonymous:
        for entry, rule in MATRIX.items():
            r = send(anonymous, entry)
            if rule.kind == "key":
                ok = r.status_code == 401 and r.headers.get("www-authenticate") == "Bearer"
            elif rule.kind == "page":
                ok = to_login(r)
            else:  # the sign-in form's POST refuses a missing CSRF token, whoever sends it
                ok = r.status_code != 401 and not to_login(r) and (r.status_code != 403 or entry == "POST /login")
            if not ok:
                wrong.append(f"{entry} ({rule.kind}): {r.status_code}")
    assert not wrong, "\n".join(wrong)


def test_every_role_gets_past_the_role_check_of_its_routes_only(db, server, keys):
    api = {role: keys.client(keys.create(role, "AU", PARTY.get(role))) for role in ROLES}
    pages = {role: signed_in_client(server, make_user(db, f"matrix-{role}", role, party=PARTY.get(role)))
             for role in ROLES}
    wrong = []
    try:
        for entry, rule in MATRIX.items():
            if rule.kind == "public":
                continue
            for role in ROLES:
                r = send((api if rule.kind == "key" else pages)[role], entry)
                refused = r.status_code == 403 and (rule.kind == "key" or "for another role" in r.text)
                if rule.mode == INPUT_FIRST:
                    ok = r.status_code in (404, 422)
                elif rule.mode == ANY:
                    ok = not refused and r.status_code != 401 and not to_login(r)
                else:
                    ok = refused == (role not in rule.roles) and r.status_code != 401 and not to_login(r)
                if not ok:
                    wrong.append(f"{entry} as {role}: {r.status_code} (matrix: {rule.roles or rule.mode})")
    finally:
        for client in (*api.values(), *pages.values()):
            client.close()
    assert not wrong, "\n".join(wrong)


def test_a_declaration_is_reached_by_its_own_party_and_customs_only(db, server, keys):
    """Every route on one declaration, for keys of another party, another economy and other roles: the
    answer is the one a declaration that does not exist gets (nothing tells them it exists), and never a
    success. Its declarant and its economy's officer read it, and so does an admin key, of any economy: the
    admin is the installation's (declarations.service.readable_by: "an admin sees every declaration")."""
    owner = keys.client(keys.create("declarant", "AU", PARTY["declarant"]))
    doc = copy.deepcopy(example("tariff-au-tshirts.json"))
    doc["declarant"] = {**doc["declarant"], "id": PARTY["declarant"]}
    r = owner.post("/api/v1/declarations", json=doc)
    assert r.status_code == 201, r.text
    mrn = r.json()["mrn"]
    outsiders = {"declarant of another party": keys.create("declarant", "AU", "AU-ABN-55666777888"),
                 "declarant of another economy": keys.create("declarant", "NZ", "NZ-IRD-123456789"),
                 "officer of another economy": keys.create("officer", "NZ"),
                 "nppo of the same economy": keys.create("nppo", "AU", PARTY["nppo"])}
    routes = [e for e, rule in MATRIX.items() if "{mrn}" in e and rule.kind == "key"]
    assert len(routes) >= 12
    wrong = []
    for who, key_text in outsiders.items():
        with keys.client(key_text) as client:
            for entry in routes:
                real = send(client, entry, mrn=mrn)
                absent = send(client, entry, mrn=mrn[:-1] + ("0" if mrn[-1] != "0" else "1"))
                if real.status_code < 400 or (real.status_code, real.json().get("title")) != (
                        absent.status_code, absent.json().get("title")):
                    wrong.append(f"{entry} as {who}: {real.status_code}, for a missing one {absent.status_code}")
    assert not wrong, "\n".join(wrong)
    officer, admin = keys.client(keys.create("officer", "AU")), keys.client(keys.create("admin", "NZ"))
    for reader in (owner, officer, admin):
        assert reader.get(f"/api/v1/declarations/{mrn}").status_code == 200
        assert reader.get(f"/api/v1/declarations/{mrn}/versions").status_code == 200
