"""One access rule per resource: whatever a key lists it can read, and whatever it can read appears in
its list. Checked over real HTTP for keys of every role in two economies, with data of both seeded.

Every GET route of the app is in one of the tables below: a list/read pair, or a route with the
reason it is not one. A new GET route that is in neither fails `test_every_get_route_is_in_the_table`."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clearway.auth.core import ROLES
from clearway.config import Settings
from clearway.db import transaction, utcnow
from tests.support import example

ECONOMIES = ("AU", "NZ")
DECLARANT = {"AU": "AU-ABN-11222333444", "NZ": "NZ-IRD-123456789"}
OTHER_DECLARANT = "AU-ABN-55666777888"  # a second declarant of AU: it sees its own declarations only


@dataclass(frozen=True)
class Pair:
    list: str
    read: str  # the single read, with one {placeholder}
    ident: Callable[[dict], tuple[str, dict]]  # a listed item -> (path value, query) of its single read
    items: Callable[[Any], list] = lambda body: body["items"] if isinstance(body, dict) else body
    params: tuple = (("limit", 2),)  # the list's query: small pages, to walk the keyset paging too


PERIOD = utcnow().strftime("%Y-%m")  # a statement is read for a month; the seeding opens accounts in this one


PAIRS = [
    Pair("/api/v1/declarations", "/api/v1/declarations/{mrn}", lambda i: (i["id"], {})),
    Pair("/api/v1/certificates/ephyto", "/api/v1/certificates/ephyto/{number}",
         lambda i: (i["number"], {"exporter": i["exporting_economy"]})),
    Pair("/api/v1/seals", "/api/v1/seals/{seal}", lambda i: (str(i["id"]), {})),
    Pair("/api/v1/alerts", "/api/v1/alerts/{alert}", lambda i: (str(i["id"]), {})),
    Pair("/api/v1/risk/rules", "/api/v1/risk/rules/{code}", lambda i: (i["code"], {})),
    Pair("/api/v1/payments/deferred-accounts", "/api/v1/payments/deferred-accounts/{number}/statement",
         lambda i: (i["number"], {"period": PERIOD}), params=()),
    Pair("/api/v1/seal-events/refusals", "/api/v1/seal-events/refusals/{refusal}", lambda i: (str(i["id"]), {}),
         items=lambda body: body["latest"], params=(("limit", 500),)),
]

PUBLIC = "published to everyone, no key needed: the {0}, the same for every caller (tests/tfa/test_api.py)"
PART = "a part of one {0}: read through the {0}'s own access rule (the same service.get), listed by none"
NOT_PAIRS = {
    "/api/v1/declarations/{mrn}/versions": PART.format("declaration"),
    "/api/v1/declarations/{mrn}/responses": PART.format("declaration"),
    "/api/v1/declarations/{mrn}/responses/{sequence}": PART.format("declaration"),
    "/api/v1/wco/callback": "the callback address of the key's own declarant (one per declarant): nothing to list",
    "/api/v1/declarations/{mrn}/lane": PART.format("declaration"),
    "/api/v1/declarations/{mrn}/inspection": PART.format("declaration"),
    "/api/v1/declarations/{mrn}/assessment": PART.format("declaration"),
    "/api/v1/certificates/ephyto/{number}/xml": PART.format("certificate"),
    "/api/v1/seals/{seal}/events": PART.format("seal"),
    "/api/v1/risk/rules/{code}/versions": PART.format("targeting rule"),
    "/api/v1/alerts/measures": "counts over the alerts the key lists (same filter), no items to read",
    "/api/v1/risk/policy": "one policy per economy (the key's own), nothing to list",
    "/api/v1/certificates/nppo-certificates/{economy}": "the public signing certificates of one economy",
    "/api/v1/release/{code}": "public verification of a release code: no key, no list",
    "/api/v1/metrics/time-release": "public aggregate figures (TFA Art. 7.6: published), no declaration-level data",
    "/api/v1/dashboard/indicators": "the public dashboard's aggregate figures, the same for every caller",
    "/api/v1/dashboard/indicators/{key}.csv": "one public indicator of /api/v1/dashboard/indicators as CSV",
    "/api/v1/dashboard/region": "aggregate figures the economies published here, public like the dashboard",
    "/api/v1/dashboard/entered/{key}/history": "the changes of one entered indicator: admin keys only "
                                               "(dashboard.service.may_enter), nothing to list",
    "/dashboard": "redirects to the first pillar's page",
    "/dashboard/region": "page of /api/v1/dashboard/region",
    "/dashboard/region/{key}.csv": "one regional figure of /dashboard/region (published aggregates) as CSV",
    "/dashboard/admin": "signed-in admins set entered indicators (dashboard.service.may_enter), nothing to list",
    "/dashboard/{pillar}": "public dashboard page over /api/v1/dashboard/indicators",

    "/api/v1/tariff/{economy}/lines/{code}": "reference data: one tariff line, the same for every key",
    "/api/v1/green/tariff-check": "public: the schedule's rates on the listed lines, unit values only as medians of "
                                  "three goods items or more (flows.green_check.MIN_OBSERVATIONS)",
    "/api/v1/green/list/editions": "reference data: the environmental goods list's editions, the same for every key",
    "/api/v1/reference/hs": "reference data: a search, the same for every key",
    "/api/v1/reference/hs/{code}": "reference data: one HS code, the same for every key",
    "/api/v1/reference/economies": "reference data, the same for every key",
    "/api/v1/reference/offices": "reference data, the same for every key",
    "/login": "the sign-in form: no data",
    "/admin/": "admin page: users and API keys of the installation, admin role only (auth.users, auth.service)",
    "/admin/essential-goods": "form for the economy's admin only (auth.core.administers), edits its one list",
    "/officer/": "officer's queue: declarations under the declarations' rule (declarations.service.readable_by), "
                 "customs only (flows.workbench.queue); each opens at /officer/declarations/{mrn}",
    "/officer/declarations/{mrn}": "page of the /api/v1/declarations pair: the same declarations.service.get, "
                                   "customs only (flows.workbench.case_file)",
    "/officer/rules": "page of the /api/v1/risk/rules pair: the same risk.service.list_rules of the key's economy",
    "/officer/rules/{code}": "page of the /api/v1/risk/rules pair: the same risk.service.versions",
    "/officer/policy": "page of /api/v1/risk/policy: the key's own economy's policy, nothing to list",
    "/officer/accounts": "page of the /api/v1/payments/deferred-accounts pair: the same payments.service.list_accounts "
                         "(and list_guarantees under the same rule)",
    "/officer/accounts/{number}": "page of the deferred-accounts pair: the same payments.service.statement",
    "/nppo/": "page of the /api/v1/certificates/ephyto pair: the same certificates.service.list_certificates",
    "/nppo/issue": "the NPPO's empty issue form: no data",
    "/nppo/certificates/{number}": "page of the /api/v1/certificates/ephyto pair: the same certificates.service.get",
    "/nppo/certificates/{number}/replace": "the issue form filled from one certificate read with certificates.service.get",
    "/trader/": "page of the /api/v1/declarations pair: the same declarations.service.list_declarations",
    "/trader/declarations/{mrn}": "page of the /api/v1/declarations pair: the same declarations.service.load_for_read",
    "/trader/declarations/{mrn}/release": PART.format("declaration") + " (its release notice)",
    "/trader/account": "page of the /api/v1/payments/deferred-accounts pair: the same list_accounts and statement",
    "/trader/account/{number}/statement.csv": "the /api/v1/payments/deferred-accounts/{number}/statement read, "
                                               "as CSV: the same payments.service.statement",
    "/trader/lodge": "the lodging form: no data", "/trader/upload": "the upload form: no data",
    "/trader/upload/template.csv": "the CSV template: the same for every trader",
    "/trader/parcels": "the manifest form: no data",
    "/release/verify": "public verification page of a release code (the same flows.release.check as the API)",
    "/hs/suggest": "reference data: the HS finder as you type, the same for every user of an economy",
    "/alerts": "page of the /api/v1/alerts pair: calls the same containers.alerts.list_alerts",
    "/alerts/{alert_id}": "page of the /api/v1/alerts pair: calls the same containers.alerts.get",
    "/certificates/verify": "public verification page of a certificate code",
    "/certificates/print/{code}": "public printable certificate, found by its verification code",
    "/api/v1/tfa/measures": "reference data: the 36 TFA measures, the same for every key",
    "/api/v1/tfa/commitments": PUBLIC.format("commitments (an economy's TFA notifications are public)"),
    "/api/v1/tfa/commitments/{economy}/{measure}": PUBLIC.format("commitments"),
    "/api/v1/risk/essential-goods": PUBLIC.format("essential-goods list of an economy (published policy)"),
    "/api/v1/risk/essential-goods/{economy}/{subheading}/history": PUBLIC.format("changes to that published list"),
    "/api/v1/tfa/commitments/{economy}/{measure}/history": PART.format("commitment") + "; public like it",
    "/api/v1/tfa/stocktake/{economy}": PUBLIC.format("commitments, with counts of the economy's own data"),
    "/api/v1/tfa/heatmap": PUBLIC.format("commitments, as a grid"),
    "/api/v1/tfa/projects": PUBLIC.format("capacity-building projects registry"),
    "/api/v1/tfa/projects/{code}": PUBLIC.format("capacity-building projects registry"),
    "/api/v1/tfa/projects/{code}/history": PART.format("project") + "; public like it",
    "/api/v1/workforce/metrics/{economy}/{year}/history": PART.format("year's head counts") + " (own_customs)",
    "/api/v1/tfa/matches": PUBLIC.format("commitments and projects, matched"),
    "/api/v1/tfa/gaps": PUBLIC.format("commitments and projects: needs no project covers"),
    "/api/v1/workforce/metrics": "head counts of the key's own economy only, to its customs (workforce.service."
                                 "own_customs decides list and read alike); the public reads /regional",
    "/api/v1/workforce/metrics/{economy}/{year}": "one year's head counts: same rule as the list (own_customs)",
    "/api/v1/workforce/regional": PUBLIC.format("workforce shares, small groups left out (the regional view)"),
    "/api/v1/workforce/scores/{economy}": PUBLIC.format("self-assessment scores per principle (aggregates)"),
    "/api/v1/workforce/assessments/{economy}": "one economy's self-assessment, read by its own customs only "
                                               "(workforce.service.own_customs); one economy per path",
    "/api/v1/workforce/actions/{economy}": "the open actions of the same ratings, same rule (own_customs)",
    "/tfa": "page of the public /api/v1/tfa/heatmap (same service.heat_map)",
    "/tfa/economies/{economy}": "page of the public /api/v1/tfa/stocktake/{economy} (same service.stocktake)",
    "/tfa/economies/{economy}/edit": "form for the economy's admin only (auth.core.administers), edits one entry",
    "/tfa/measures/{measure}": "public page: the economies still needing one measure (commitments are public)",
    "/tfa/matches": "page of the public /api/v1/tfa/matches (same service.ranking)",
    "/tfa/gaps": "page of the public /api/v1/tfa/gaps (same service.gaps)",
    "/gender/{economy}/edit": "forms for the economy's admin only (auth.core.administers)",
    "/gender": "page of the public /api/v1/workforce/regional (shares only)",
    "/gender/{economy}": "public shares and scores; its open actions only to the economy's own customs "
                        "(workforce.service.own_customs, as /api/v1/workforce/actions/{economy}); "
                        "shares shown to the public are the published ones",
    "/": "home page", "/hs": "public HS finder page", "/healthz": "liveness probe",
    "/readyz": "readiness probe: the checks' names and outcomes, no data",
    "/problems": "public documentation of the API's problem types (the same for everyone, no data)",
    "/problems/{kind}": "public documentation of one problem type, as /problems",
    "/metrics": "Prometheus metrics: counts by route template, lane and outcome, queue sizes; no declaration-level "
                "data (tests/operations/test_probes_and_metrics.py)",
    "/openapi.json": "the API description", "/docs": "API docs page", "/docs/oauth2-redirect": "API docs page",
    "/redoc": "API docs page",
}


def _paths(routes, prefix: str = ""):
    """(method, path) of every route (HEAD aside: it answers as GET does)."""
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI keeps included routers nested
        if included is not None:
            yield from _paths(included.routes, prefix + route.include_context.prefix)
        else:
            for method in sorted(set(getattr(route, "methods", None) or ()) - {"HEAD"}):
                yield method, prefix + route.path


def get_all_routes() -> set[str]:
    """Every route of the app as it is served, as "METHOD /path" (tests/test_access_matrix.py)."""
    from clearway.app import create_app

    app = create_app(Settings(data_dir=Path("/nonexistent"), database_url="sqlite://"))
    return {f"{method} {path}" for method, path in _paths(app.routes)}


def get_routes() -> set[str]:
    """Every GET route of the app as it is served (pages and the API description included)."""
    return {route.removeprefix("GET ") for route in get_all_routes() if route.startswith("GET ")}


def test_every_get_route_is_in_the_table():
    routes = get_routes()
    tabled = {p.list for p in PAIRS} | {p.read for p in PAIRS} | set(NOT_PAIRS)
    assert routes - tabled == set(), "GET routes missing from the access table (add a Pair or a reason)"
    assert tabled - routes == set(), "the access table names routes that no longer exist"


# ---- data of both economies ----------------------------------------------------------------------

def _declaration(economy: str, declarant: str, lrn: str) -> dict:
    doc = copy.deepcopy(example("tariff-au-tshirts.json"))
    doc.update(lrn=lrn, economy=economy, office={"AU": "AUSYD", "NZ": "NZAKL"}[economy])
    doc["declarant"] = {**doc["declarant"], "id": declarant, "country": economy}
    if economy == "NZ":
        doc["currency"] = "NZD"
        doc["importer"] = {**doc["importer"], "country": "NZ"}
    return doc


def _certificate(origin: str, destination: str) -> dict:
    from tests.certificates.factories import ephyto

    cert = ephyto(number=f"{origin}2026-000001", origin=origin, destination=destination,
                  points_of_entry=["Port"], place_of_issue="Capital")
    cert["consignor"]["country"], cert["consignee"]["country"] = origin, destination
    return cert


def _seal(economy: str, serial: str) -> dict:
    loading, destination = {"AU": ("AUMEL", "AUSYD"), "NZ": ("NZAKL", "NZCHC")}[economy]
    return {"manufacturer": "ACME", "serial": serial, "container": {"AU": "MSCU1234566", "NZ": "CSQU3054383"}[economy],
            "loading_office": loading, "destination_office": destination, "departure": "2026-11-28T00:00:00Z",
            "arrival_from": "2026-11-28T12:00:00Z", "arrival_to": "2026-11-28T20:00:00Z", "device_key": "ab" * 32}


def seed(db, keys) -> None:
    """A declaration, an ePhyto issued to the other economy, a seal with an alert, a targeting rule, a
    deferred account and a refused seal event in each economy (and a second declarant's declaration in AU),
    made as each economy's users would."""
    from clearway.certificates import nppo
    from clearway.containers.models import SealAlert

    for economy in ECONOMIES:
        with transaction(db.factory) as session:
            nppo.create_key(session, economy=economy, party_id=f"NPPO-{economy}", actor="test")
    other = {"AU": "NZ", "NZ": "AU"}
    for economy in ECONOMIES:
        with keys.client(keys.create("declarant", economy, DECLARANT[economy])) as trader:
            r = trader.post("/api/v1/declarations", json=_declaration(economy, DECLARANT[economy], f"ACC-{economy}"))
            assert r.status_code == 201, r.text
        with keys.client(keys.create("nppo", economy, f"NPPO-{economy}")) as plant:
            r = plant.post("/api/v1/certificates/ephyto", json=_certificate(economy, other[economy]))
            assert r.status_code == 201, r.text
        with keys.client(keys.create("officer", economy)) as officer:
            r = officer.post("/api/v1/seals", json=_seal(economy, f"{economy}01"))
            assert r.status_code == 201, r.text
            seal = r.json()
            r = officer.post("/api/v1/risk/rules", json={"code": f"{economy}-TEXTILES", "name": "Knitted apparel", "action": "yellow",
                                                         "conditions": [{"field": "hs_chapter", "op": "eq",
                                                                         "value": "61"}]})
            assert r.status_code == 201, r.text
            r = officer.post("/api/v1/payments/deferred-accounts", json={"holder": DECLARANT[economy],
                                                                          "credit_limit": "5000.00"})
            assert r.status_code == 201, r.text
            # an event the server refuses (a 1970 device time): kept as a refusal of this economy
            r = officer.post("/api/v1/seal-events", json=[{
                "seal_id": seal["seal_id"], "seq": 1, "device_time": "1970-01-01T00:00:00Z", "lat": -33.9,
                "lon": 151.2, "status": "sealed", "battery": 90}])
            assert r.status_code == 200 and r.json()["refused"] == 1, r.text
        with transaction(db.factory) as session:
            session.add(SealAlert(seal_pk=seal["id"], seal_id=seal["seal_id"], container=seal["container"],
                                  economy=economy, rule="opened", severity="high", reason="opened en route",
                                  evidence=[[seal["seal_id"], 3]], event_at=utcnow(), raised_at=utcnow(),
                                  status="open"))
    with keys.client(keys.create("declarant", "AU", OTHER_DECLARANT)) as trader:
        r = trader.post("/api/v1/declarations", json=_declaration("AU", OTHER_DECLARANT, "ACC-OTHER"))
        assert r.status_code == 201, r.text


def everyone(keys) -> dict[str, object]:
    """A key of every role in both economies (and the second declarant of AU)."""
    out = {}
    for economy in ECONOMIES:
        for role in ROLES:
            party = {"declarant": DECLARANT[economy], "nppo": f"NPPO-{economy}"}.get(role)
            out[f"{role} {economy}"] = keys.create(role, economy, party)
    out["declarant AU (another)"] = keys.create("declarant", "AU", OTHER_DECLARANT)
    return out


def listed(client, pair: Pair) -> set[tuple[str, tuple]]:
    found, after = set(), None
    while True:
        r = client.get(pair.list, params={**dict(pair.params), **({"after": after} if after else {})})
        if r.status_code == 403:
            return set()
        assert r.status_code == 200, f"{pair.list}: {r.status_code} {r.text}"
        body = r.json()
        for item in pair.items(body):
            ident, query = pair.ident(item)
            found.add((ident, tuple(sorted(query.items()))))
        after = body.get("next") if isinstance(body, dict) else None
        if not after:
            return found


def readable(client, pair: Pair, ident: str, query: tuple) -> bool:
    r = client.get(re.sub(r"\{\w+\}", ident, pair.read), params=dict(query))
    assert r.status_code in (200, 403, 404), f"{pair.read} {ident}: {r.status_code} {r.text}"
    return r.status_code == 200


@pytest.mark.parametrize("pair", PAIRS, ids=[p.list for p in PAIRS])
def test_what_a_key_lists_is_what_it_can_read(db, server, keys, pair):
    seed(db, keys)
    clients = {who: keys.client(key) for who, key in everyone(keys).items()}
    try:
        lists = {who: listed(c, pair) for who, c in clients.items()}
        universe = set().union(*lists.values())
        assert len(universe) >= 2, f"the seeding left {pair.list} with fewer than one item per economy"
        wrong = []
        for who, client in clients.items():
            can_read = {u for u in universe if readable(client, pair, *u)}
            if can_read != lists[who]:
                wrong.append(f"{who}: lists {sorted(lists[who])}, reads {sorted(can_read)}")
        assert not wrong, f"{pair.list} and {pair.read} disagree:\n" + "\n".join(wrong)
    finally:
        for c in clients.values():
            c.close()
