"""An integrator's view of the OpenAPI document (issue 17): a Python client generated from the live server's
/openapi.json (openapi-python-generator: pydantic models and one function per operation, over httpx) drives a
whole clearance: lodge the example declaration, read its assessment, pay what is due, see it released and
the release code verified; and a lodgement asked for `Prefer: return=minimal` parsed as the document says.
Nothing here is written by hand for the API: the functions are found by the operation ids the document gives,
and every answer is parsed into the generated models."""

from __future__ import annotations

import importlib
import inspect
import sys
from decimal import Decimal

import httpx
from openapi_python_generator.common import Formatter, HTTPLibrary
from openapi_python_generator.generate_data import generate_data

from tests.support import example
from tests.tariff.support import DECLARANT

HEADERS = {"prefer": "return=representation"}
DUE = "491.13"  # tests/tariff/test_clearance_api.py: the T-shirts' duty and GST


class Generated:
    """The generated package, with its operations found by method and path through the document."""

    def __init__(self, package: object, document: dict) -> None:
        self.package, self.document = package, document
        self.calls = 0

    def op(self, method: str, path: str, **headers: str):
        """The generated function of an operation. Its header parameters get a value each (this generator
        sends a header given as None, which httpx refuses): those given, else `Prefer: return=representation`
        (RFC 7240, the default anyway) and, for any other header such as an idempotency key, one value per call."""
        operation = self.document["paths"][path][method]
        service = importlib.import_module(f"{self.package.__name__}.services.{operation['tags'][0]}_service")
        function = getattr(service, operation["operationId"])
        wanted = {p["name"].lower().replace("-", "_") for p in operation.get("parameters", []) if p["in"] == "header"}
        names = [n for n in inspect.signature(function).parameters if n.lower().replace("-", "_") in wanted]

        def call(*args, **kwargs):
            self.calls += 1
            for name in names:
                kwargs.setdefault(name, {**HEADERS, **headers}.get(name.lower(), f"generated-client-{self.calls}"))
            return function(*args, **kwargs)

        return call


def test_a_client_generated_from_the_document_completes_a_clearance(db, server, keys, tmp_path, monkeypatch):
    document = httpx.get(server.url + "/openapi.json", timeout=30).json()
    source = tmp_path / "openapi.json"
    source.write_bytes(httpx.get(server.url + "/openapi.json", timeout=30).content)
    generate_data(source, tmp_path / "cwclient", library=HTTPLibrary.httpx, formatter=Formatter.NONE)
    monkeypatch.syspath_prepend(str(tmp_path))
    client = importlib.import_module("cwclient")
    models = importlib.import_module("cwclient.models")
    config = importlib.import_module("cwclient.api_config").APIConfig(
        base_path=server.url, access_token=keys.create("declarant", "AU", DECLARANT))
    api = Generated(client, document)
    try:
        lodged = api.op("post", "/api/v1/declarations")(
            config, data=models.DeclarationIn.model_validate(example("tariff-au-tshirts.json")))
        # The lodgement answers DeclarationLodged: the full declaration, or the minimal one (MRN and status).
        assert isinstance(lodged, models.DeclarationLodged) and lodged.status == "accepted" and lodged.mrn
        assert lodged.lrn == example("tariff-au-tshirts.json")["lrn"] and lodged.history[0].to_status == "accepted"
        mrn = lodged.mrn
        minimal = api.op("post", "/api/v1/declarations", prefer="return=minimal")(
            config, data=models.DeclarationIn.model_validate({**example("tariff-au-tshirts.json"), "lrn": "MINIMAL-1"}))
        assert isinstance(minimal, models.DeclarationLodged) and minimal.status == "accepted"
        assert minimal.mrn and minimal.mrn != mrn and minimal.id == minimal.mrn
        assert (minimal.lrn, minimal.history) == (None, None)

        assessed = api.op("post", "/api/v1/declarations/{mrn}/assessment")(config, mrn=mrn)
        assert isinstance(assessed, models.AssessmentOut)
        assert (assessed.status, assessed.lane, assessed.total_due, assessed.outstanding) == (
            "lane_selected", "green", DUE, DUE)
        read = api.op("get", "/api/v1/declarations/{mrn}/assessment")(config, mrn=mrn)
        assert read.total_due == DUE and read.duty == "153.00" and read.tax == "338.13" and read.payments == []

        reference = api.op("post", "/api/v1/declarations/{mrn}/payment-reference")(
            config, mrn=mrn, data=models.ReferenceIn(provider="bank_transfer"))
        assert isinstance(reference, models.ReferenceOut) and Decimal(reference.amount) == Decimal(DUE)
        paid = api.op("post", "/api/v1/declarations/{mrn}/payments")(config, mrn=mrn, data=models.PaymentIn(
            amount=DUE, currency="AUD", method="bank_transfer", reference=reference.reference))
        assert isinstance(paid, models.PaymentOut)
        assert paid.status == "released" and paid.release_code

        after = api.op("get", "/api/v1/declarations/{mrn}/assessment")(config, mrn=mrn)
        assert (after.paid, after.outstanding, after.release_code) == (DUE, "0.00", paid.release_code)
        assert [(p.amount, p.currency, p.method) for p in after.payments] == [(DUE, "AUD", "bank_transfer")]
        check = api.op("get", "/api/v1/release/{code}")(config, code=paid.release_code)
        assert isinstance(check, models.ReleaseCheckOut)
        assert (check.valid, check.declaration, check.status) == (True, mrn, "released")
        declaration = api.op("get", "/api/v1/declarations/{mrn}")(config, mrn=mrn)
        assert declaration.status == "released"
    finally:
        for name in [n for n in sys.modules if n == "cwclient" or n.startswith("cwclient.")]:
            del sys.modules[name]
