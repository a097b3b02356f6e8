"""WCO response messages (RES) for lodging, acceptance, lane, release and rejection: read by polling and pushed
to a registered callback over real HTTP, with retries; and `clearway submit` / `clearway wco` with DEC files.
The messages follow HMRC's DMS notification examples (hmrc/customs-declarations, annotated_XML_samples/
Example_DMS_notifications: 01 DMSACC, 02 DMSRCV, 03 DMSREJ, 05 DMSCTL, 09 DMSCLE) and validate against the
RES-DMS schema."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from clearway import xmlsafe
from clearway.db import utcnow
from clearway.flows import wco as wco_flow
from clearway.wco import schema
from clearway.wco.ns import RES
from clearway.wco.profile import uk_example
from tests.cli_support import run
from tests.wco.support import XML, instance, move, value_at

NAME = "customs-declarations/TT_IM001d/TT_IM001d.xml"
PARTY = "GB603202734852"  # the Declarant/ID (EORI) of TT_IM001d
PROFILE = uk_example()


@pytest.fixture
def broker(keys):
    return keys.client(keys.create("declarant", "AU", PARTY))


def _code(xml: str | bytes) -> str:
    root = xmlsafe.parse(xml).getroot()
    return root.find(f"{{{RES}}}Response/{{{RES}}}FunctionCode").text


def test_lodging_lane_and_release_each_answer_a_valid_res_message_by_polling(db, broker):
    mrn = broker.post("/api/v1/declarations", content=instance(NAME), headers=XML).json()["mrn"]
    move(db, mrn, ("assessed", None), ("lane_selected", "red lane selected"), ("under_control", None),
          ("released", None))
    r = broker.get(f"/api/v1/declarations/{mrn}/responses")
    assert r.status_code == 200, r.text
    got = r.json()
    assert [(m["sequence"], m["kind"], m["function_code"]) for m in got] == [
        (1, "received", "02"), (2, "accepted", "01"), (3, "lane_red", "05"), (4, "released", "09")]
    for m in got:
        tree = xmlsafe.parse(m["xml"])
        assert schema.response_errors(tree) == [], m["kind"]
        decl = tree.getroot().find(f"{{{RES}}}Response/{{{RES}}}Declaration")
        assert decl.findtext(f"{{{RES}}}ID") == mrn
        assert decl.findtext(f"{{{RES}}}FunctionalReferenceID") == "TT_IM01d_v1.6_230322_1"
    one = broker.get(f"/api/v1/declarations/{mrn}/responses/3")
    assert one.headers["content-type"].startswith("application/xml") and _code(one.content) == "05"
    assert b"red lane" in one.content and b"rule" not in one.content  # the lane, never the targeting criteria
    assert broker.get(f"/api/v1/declarations/{mrn}/responses/9").status_code == 404


def test_a_rejection_answers_dmsrej_with_its_time(db, broker):
    mrn = broker.post("/api/v1/declarations", content=instance(NAME), headers=XML).json()["mrn"]
    move(db, mrn, ("rejected", "goods not presented"))
    last = broker.get(f"/api/v1/declarations/{mrn}/responses").json()[-1]
    assert (last["kind"], last["function_code"]) == ("rejected", "03")
    assert schema.response_errors(xmlsafe.parse(last["xml"])) == []
    assert "RejectionDateTime" in last["xml"]


def test_another_declarants_responses_are_not_found(db, keys, broker):
    mrn = broker.post("/api/v1/declarations", content=instance(NAME), headers=XML).json()["mrn"]
    other = keys.client(keys.create("declarant", "AU", "GB999999999999"))
    assert other.get(f"/api/v1/declarations/{mrn}/responses").status_code == 404


class _Callback(BaseHTTPRequestHandler):
    failures_left = 0
    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        cls = type(self)
        if cls.failures_left > 0:
            cls.failures_left -= 1
            self.send_response(503)
        else:
            cls.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def callback_server():
    _Callback.failures_left, _Callback.received = 1, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/clearway/res"
    server.shutdown()
    thread.join(timeout=10)


def test_responses_are_pushed_to_the_callback_and_a_failure_is_retried_later(db, broker, callback_server,
                                                                             monkeypatch):
    monkeypatch.setenv("CLEARWAY_WCO_CALLBACK_HOSTS", "127.0.0.1")  # plain http:// to this host only
    r = broker.put("/api/v1/wco/callback", json={"url": callback_server})
    assert r.status_code == 200 and r.json()["url"] == callback_server
    mrn = broker.post("/api/v1/declarations", content=instance(NAME), headers=XML).json()["mrn"]
    start = utcnow() + timedelta(seconds=1)
    with httpx.Client(timeout=10) as client:
        first, early, retried, after = (
            wco_flow.push(db.factory, now=start + wait, profile=PROFILE, client=client, allowed_hosts=("127.0.0.1",))
            for wait in (timedelta(0), timedelta(seconds=10), timedelta(seconds=31), timedelta(hours=2)))
    # The first POST was answered 503: it waits 30 s, and the message behind it with it (the order is kept);
    # pushing again before then sends nothing.
    assert (first.scheduled, first.delivered, first.failed) == (2, 0, 1)
    assert (early.scheduled, early.delivered, early.failed) == (0, 0, 0)
    assert (retried.delivered, retried.failed) == (2, 0)
    assert (after.scheduled, after.delivered, after.failed) == (0, 0, 0)
    assert [_code(b) for b in _Callback.received] == ["02", "01"]
    for body in _Callback.received:
        assert schema.response_errors(xmlsafe.parse(body)) == []
        assert mrn.encode() in body


def test_a_callback_must_be_an_http_url_and_only_a_declarant_registers_one(db, keys, broker):
    bad = broker.put("/api/v1/wco/callback", json={"url": "ftp://example.org/x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "url"
    officer = keys.client(keys.create("officer", "AU"))
    assert officer.put("/api/v1/wco/callback", json={"url": "https://example.org/x"}).status_code == 403
    assert broker.get("/api/v1/wco/callback").status_code == 404
    assert broker.delete("/api/v1/wco/callback").status_code == 404


def test_submit_lodges_a_dec_file_locally_and_refuses_a_bad_one_on_one_line(db, keys, tmp_path):
    key = keys.create("declarant", "AU", PARTY)
    path = tmp_path / "TT_IM001d.xml"
    path.write_bytes(instance(NAME))
    done = run(db, "submit", str(path), "--key", key)
    assert done.returncode == 0, done.stderr
    assert "accepted, LRN TT_IM01d_v1.6_230322_1" in done.stdout
    again = run(db, "submit", str(path), "--key", key)
    assert again.returncode == 0 and "already lodged" in again.stdout
    bad = tmp_path / "bad.xml"
    bad.write_bytes(instance(NAME).replace(b"<TypeCode>IMA</TypeCode>", b"<TypeCode>IMPORT</TypeCode>", 1))
    refused = run(db, "submit", str(bad), "--key", key)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "/md:MetaData/Declaration/TypeCode" in refused.stderr


def test_submit_sends_a_dec_file_over_http(db, keys, tmp_path):
    key = keys.create("declarant", "AU", PARTY)
    path = tmp_path / "TT_IM001d.xml"
    path.write_bytes(instance(NAME))
    done = run(db, "submit", str(path), "--key", key, "--url", keys.server_url)
    assert done.returncode == 0, done.stderr
    assert "accepted, LRN TT_IM01d_v1.6_230322_1" in done.stdout
    assert value_at(instance(NAME), "FunctionalReferenceID") == "TT_IM01d_v1.6_230322_1"


def test_the_uk_profile_checks_out_and_a_broken_one_is_refused_by_name(db, tmp_path):
    from importlib import resources

    uk = resources.files("clearway.wco").joinpath("data/profiles/uk.toml").read_text(encoding="utf-8")
    path = tmp_path / "uk.toml"
    path.write_text(uk)
    ok = run(None, "wco", "profile", str(path))
    assert ok.returncode == 0 and "GB-CDS-DEC-DMS-2: economy AU, 14 offices" in ok.stdout
    path.write_text(uk.replace('GB000051 = "AUMEL"', 'GB000051 = "NZAKL"'))
    wrong = run(None, "wco", "profile", str(path))
    assert wrong.returncode == 2 and "not offices of AU: NZAKL" in wrong.stderr
