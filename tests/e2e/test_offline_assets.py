"""Every page loads its assets from Clearway alone (issue 9: /docs and /redoc were blank without internet,
their scripts came from a CDN). Real headless Chromium; every request is recorded, and any request to
another host is refused on the spot, so that the test itself sends nothing off this machine."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.responses import HTMLResponse

from clearway.app import _routers
from clearway.containers import synthetic
from tests.certificates.factories import ephyto
from tests.containers.support import ECONOMY, now_journey
from tests.support import example
from tests.web.support import make_user, sign_in, walk

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _offsite(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK


class Recorder:
    """Records every request of a page. A request to another host that reaches the network layer is refused
    there and counted as sent; one the page's Content-Security-Policy stopped in the browser is not sent."""

    def __init__(self, page) -> None:
        self.seen: list[str] = []
        self.sent_offsite: list[str] = []
        self.failed: dict[str, str] = {}
        page.route("**/*", self._route)
        page.on("request", lambda r: self.seen.append(r.url))
        page.on("requestfailed", lambda r: self.failed.__setitem__(r.url, r.failure or ""))

    def _route(self, route) -> None:
        if _offsite(route.request.url):
            self.sent_offsite.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def offsite(self) -> list[str]:
        """Requests to another host that were not stopped by the page's policy before leaving the browser."""
        return self.sent_offsite + [u for u in self.seen if _offsite(u) and self.failed.get(u) != "csp"]


def test_swagger_ui_renders_the_operations_from_local_assets(db, server, page):
    rec = Recorder(page)
    page.goto(server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=60_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/declarations" in [p.replace("\u200b", "") for p in paths]
    assert page.locator(".opblock").count() >= 20
    assert page.locator(".info .title").first.inner_text().startswith("Clearway")
    page.wait_for_load_state("networkidle")
    assert rec.offsite() == []
    assert any(u.endswith("/swagger-ui-bundle.js") for u in rec.seen)


def test_redoc_renders_the_reference_from_local_assets(db, server, page):
    rec = Recorder(page)
    page.goto(server.url + "/redoc")
    page.wait_for_selector("[data-section-id]", timeout=60_000)
    assert page.locator("h1").first.inner_text().startswith("Clearway")
    assert "/api/v1/declarations" in page.locator("body").inner_text()
    page.wait_for_load_state("networkidle")
    assert rec.offsite() == []
    assert any(u.endswith("/redoc.standalone.js") for u in rec.seen)


def _html_pages(app) -> set[str]:
    """The GET pages: those of clearway.web answering HTML, and the app's own (/docs, /redoc)."""
    pages = {path for router in _routers("clearway.web") for path, r in walk(router.routes)
             if isinstance(r, APIRoute) and "GET" in r.methods and r.response_class is HTMLResponse}
    return pages | {r.path for r in app.routes if isinstance(r, APIRoute) and "GET" in r.methods
                    and not r.include_in_schema and not r.path.endswith("/oauth2-redirect")}


def test_every_page_loads_no_asset_from_another_host(db, server, keys, page):
    with keys.client(keys.create("nppo", "TH", "NPPO-TH")) as th:
        from clearway.certificates import nppo
        from clearway.db import transaction

        with transaction(db.factory) as session:
            nppo.create_key(session, economy="TH", party_id="NPPO-TH", actor="test")
        code = th.post("/api/v1/certificates/ephyto", json=ephyto()).json()["verification_code"]
    officer = keys.create("officer", ECONOMY)
    sim = now_journey(7, kind="detour", container="MSCU1234566")
    with keys.client(officer) as c:
        assert c.post("/api/v1/seals", json=synthetic.seal_request(sim)).status_code == 201
        alert = c.post("/api/v1/seal-events", json=synthetic.events_of(sim)).json()["alerts"][0]
    mrn, release_code = released(keys)
    make_user(db, "root", "admin")
    make_user(db, "tom", "declarant", party="AU-ABN-11222333444")
    make_user(db, "somchai", "nppo", economy="TH", party="NPPO-TH")
    with keys.client(officer) as c:
        assert c.post("/api/v1/risk/rules", json={"code": "TEX", "name": "Knitted apparel", "action": "yellow",
                                                  "conditions": [{"field": "hs_chapter", "op": "eq",
                                                                  "value": "61"}]}).status_code == 201
        account = c.post("/api/v1/payments/deferred-accounts", json={"holder": "AU-ABN-11222333444",
                                                                     "credit_limit": "100.00"}).json()["number"]

    visits = {"/": "/", "/hs": "/hs?q=fresh+oranges", "/alerts": "/alerts", "/alerts/{alert_id}": f"/alerts/{alert}",
              "/login": "/login", "/admin/": "/admin/", "/admin/essential-goods": "/admin/essential-goods",
              "/certificates/verify": f"/certificates/verify?code={code}",
              "/certificates/print/{code}": f"/certificates/print/{code}", "/docs": "/docs", "/redoc": "/redoc",
              "/release/verify": f"/release/verify?code={release_code}",
              "/dashboard/{pillar}": "/dashboard/covid?economy=AU",
              "/dashboard/region": "/dashboard/region", "/dashboard/admin": "/dashboard/admin",
              "/tfa": "/tfa", "/tfa/economies/{economy}": "/tfa/economies/AU", "/tfa/gaps": "/tfa/gaps",
              "/tfa/economies/{economy}/edit": "/tfa/economies/AU/edit", "/tfa/matches": "/tfa/matches?economy=AU",
              "/tfa/measures/{measure}": "/tfa/measures/7.4", "/gender": "/gender", "/gender/{economy}": "/gender/AU",
              "/gender/{economy}/edit": "/gender/AU/edit",
              "/problems": "/problems", "/problems/{kind}": "/problems/invalid-input"}
    as_trader = {"/trader/": "/trader/", "/trader/lodge": "/trader/lodge", "/trader/upload": "/trader/upload",
                 "/trader/parcels": "/trader/parcels", "/trader/account": "/trader/account",
                 "/trader/declarations/{mrn}": f"/trader/declarations/{mrn}",
                 "/trader/declarations/{mrn}/release": f"/trader/declarations/{mrn}/release"}
    as_customs = {"/officer/": "/officer/", "/officer/declarations/{mrn}": f"/officer/declarations/{mrn}",
                  "/officer/rules": "/officer/rules", "/officer/rules/{code}": "/officer/rules/TEX",
                  "/officer/policy": "/officer/policy", "/officer/accounts": "/officer/accounts",
                  "/officer/accounts/{number}": f"/officer/accounts/{account}"}
    number = ephyto()["number"]
    as_nppo = {"/nppo/": "/nppo/", "/nppo/issue": "/nppo/issue", "/nppo/certificates/{number}": f"/nppo/certificates/{number}",
               "/nppo/certificates/{number}/replace": f"/nppo/certificates/{number}/replace"}
    assert _html_pages(server.app) == set(visits) | set(as_trader) | set(as_customs) | set(as_nppo), \
        "a new page: add it to this test's visits"
    rec = Recorder(page)
    for who, paths in (("root", visits | as_customs), ("tom", as_trader), ("somchai", as_nppo)):
        page.context.clear_cookies()
        sign_in(page, server, who)
        for path in paths.values():
            response = page.goto(server.url + path, wait_until="networkidle")
            assert response is not None and response.status == 200, path
    assert rec.offsite() == []
    assert len(rec.seen) > len(visits) + len(as_trader) + len(as_customs) + len(as_nppo)


def released(keys) -> tuple[str, str]:
    """A declaration of the trader AU-ABN-11222333444 taken to release over the API: (MRN, release code)."""
    with keys.client(keys.create("declarant", "AU", "AU-ABN-11222333444")) as api:
        mrn = api.post("/api/v1/declarations", json=example("tariff-au-tshirts.json")).json()["mrn"]
        api.post(f"/api/v1/declarations/{mrn}/assessment")
        ref = api.post(f"/api/v1/declarations/{mrn}/payment-reference", json={}).json()
        paid = api.post(f"/api/v1/declarations/{mrn}/payments", json={
            "amount": ref["amount"], "currency": ref["currency"], "method": "bank_transfer",
            "reference": ref["reference"]}).json()
    return mrn, paid["release_code"]


@pytest.mark.parametrize("asset", ["swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"])
def test_the_docs_assets_are_served_here(db, http, asset):
    r = http.get(f"/static-offline-docs/{asset}")
    assert r.status_code == 200 and len(r.content) > 1000


def test_html_answers_carry_the_page_policy_and_json_answers_do_not(db, http):
    from clearway.app import DOCS_POLICY, PAGE_POLICY

    for path in ("/", "/hs?q=wine", "/login", "/docs", "/redoc"):
        policy = http.get(path).headers.get("content-security-policy")
        assert policy == (DOCS_POLICY if path in ("/docs", "/redoc") else PAGE_POLICY), path
    for policy in (PAGE_POLICY, DOCS_POLICY):
        assert "default-src 'self'" in policy and "http" not in policy and "frame-ancestors 'none'" in policy
    assert "content-security-policy" not in http.get("/healthz").headers
    assert "content-security-policy" not in http.get("/openapi.json").headers
