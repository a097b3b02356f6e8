"""The payment face answers through response models (payments.schemas): money leaves as exact strings,
the answers keep their keys, and the OpenAPI document describes them."""

from decimal import Decimal
from pathlib import Path

from clearway.app import create_app
from clearway.config import Settings
from clearway.payments.schemas import AccountLineOut, GuaranteeOut
from tests.tariff.support import DECLARANT


def test_money_leaves_as_an_exact_string_never_an_exponent():
    assert GuaranteeOut(number="G1", holder="H", currency="AUD", amount=Decimal("1E+3")).model_dump(mode="json")[
        "amount"] == "1000"
    line = AccountLineOut(number="A", holder="H", economy="AU", currency="AUD", credit_limit=Decimal("5000.00"),
                          available=Decimal("0.10"))
    assert line.model_dump(mode="json") | {} == {"number": "A", "holder": "H", "economy": "AU", "currency": "AUD",
                                                 "credit_limit": "5000.00", "available": "0.10"}


def test_the_openapi_document_describes_the_payment_answers():
    paths = create_app(Settings(data_dir=Path("/nonexistent"), database_url="sqlite://")).openapi()["paths"]
    for path, method, model in (("/api/v1/payments/guarantees", "post", "GuaranteeOut"),
                                ("/api/v1/payments/deferred-accounts", "post", "AccountOut"),
                                ("/api/v1/payments/deferred-accounts/{number}/statement", "get", "StatementOut"),
                                ("/api/v1/declarations/{mrn}/payments", "post", "PaymentOut")):
        answer = next(r for code, r in paths[path][method]["responses"].items() if code.startswith("2"))
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith(f"/{model}"), path


def test_an_opened_account_and_the_list_answer_the_same_keys_as_before(server, keys):
    with keys.client(keys.create("officer", "AU")) as officer:
        opened = officer.post("/api/v1/payments/deferred-accounts", json={"holder": DECLARANT, "credit_limit": "5000"})
        assert opened.status_code == 201, opened.text
        body = opened.json()
        assert body == {"number": body["number"], "holder": DECLARANT, "economy": "AU", "currency": "AUD",
                        "credit_limit": "5000.00"}
        listed = [a for a in officer.get("/api/v1/payments/deferred-accounts").json() if a["number"] == body["number"]]
        assert listed == [body | {"available": "5000.00"}]
        statement = officer.get(f"/api/v1/payments/deferred-accounts/{body['number']}/statement",
                                params={"period": "2026-01"}).json()
        assert statement == {"account": body["number"], "holder": DECLARANT, "currency": "AUD", "period": "2026-01",
                             "credit_limit": "5000.00", "available": "5000.00", "charges": [], "total": "0.00"}
