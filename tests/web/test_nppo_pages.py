"""The NPPO desk over real HTTP (SQLite and PostgreSQL): issue from the form's fields, refusals beside their
field, withdraw and replace (the form filled from the certificate), and who may open the desk. The form's
parsing is checked on the example certificate: its summary, shown in the form and sent back, is the same
certificate."""

from __future__ import annotations

import re

import pytest
from starlette.datastructures import FormData

from clearway.certificates import builder, nppo, sps
from clearway.certificates.schemas import EPhytoIn
from clearway.db import transaction
from clearway.web.nppo.form import ephyto_data, from_summary
from tests.support import example
from tests.web.support import csrf_of, make_user, signed_in_as

CERT = example("ephyto-cn-oranges.json")


def fields(cert: dict) -> dict[str, str]:
    """The example certificate as the form's fields, as a person would type them."""
    out = {k: cert[k] for k in ("number", "issuer", "place_of_issue", "authorised_officer", "origin", "destination",
                                "conveyance", "conveyance_name")}
    out |= {"points_of_entry[0]": cert["points_of_entry"][0],
            "additional_declarations": "\n".join(cert["additional_declarations"]),
            "distinguishing_marks": "\n".join(cert["distinguishing_marks"])}
    for who in ("consignor", "consignee"):
        out |= {f"{who}.name": cert[who]["name"], f"{who}.country": cert[who]["country"],
                f"{who}.address": "\n".join(cert[who]["address"])}
    for i, p in enumerate(cert["products"]):
        out |= {f"products[{i}].{k}": str(v) for k, v in p.items()}
    for i, t in enumerate(cert["treatments"]):
        out |= {f"treatments[{i}].{k}": (v[:10] if k == "date" else str(v)) for k, v in t.items()}
    return out


def test_the_form_of_the_example_is_the_example_and_its_summary_fills_the_form_back():
    typed = EPhytoIn(**ephyto_data(FormData(list(fields(CERT).items()))))
    assert typed.model_dump(exclude={"issued_at"}) == EPhytoIn(**CERT).model_dump(exclude={"issued_at"})
    assert typed.issued_at is None  # the form issues at the time it is sent
    summary = sps.summary(builder.build(typed))
    again = from_summary(summary)
    back = EPhytoIn(**ephyto_data(FormData([*again.items(), ("number", CERT["number"])])))
    # the certificate carries product-level treatments only: the form shows them once, as applied to all
    assert back.model_dump(exclude={"treatments", "issued_at"}) == typed.model_dump(exclude={"treatments", "issued_at"})
    assert [(t.type, t.method, t.temperature_c, t.duration_hours, t.text) for t in back.treatments] == [
        ("PHY", "cold treatment", 1, 384, "Cold disinfestation in transit, 1 °C or below for 16 days")]


@pytest.fixture
def people(db):
    with transaction(db.factory) as session:
        nppo.create_key(session, economy="CN", party_id="NPPO-CN", actor="test")
    make_user(db, "wei", "nppo", economy="CN", party="NPPO-CN")
    make_user(db, "ana", "nppo", economy="AU", party="NPPO-AU")
    make_user(db, "olga", "officer")
    make_user(db, "kiri", "nppo", economy="NZ", party="NPPO-NZ")
    return db


def test_an_nppo_issues_withdraws_and_replaces_from_the_form(server, people):
    with signed_in_as(server, "wei") as wei:
        token = csrf_of(wei.get("/nppo/issue").text)
        form = fields(CERT) | {"csrf": token, "products[0].hs_code": "08x5", "destination": "CN"}
        bad = wei.post("/nppo/issue", data=form)
        assert bad.status_code == 422
        assert re.search(r'id="products-0-hs_code-error">[^<]+<', bad.text)
        assert 'value="08x5"' in bad.text  # nothing typed is lost
        same = wei.post("/nppo/issue", data=form | {"products[0].hs_code": "080510"})
        assert same.status_code == 422 and 'id="destination-error">must differ from origin<' in same.text
        checked = wei.post("/nppo/issue", data=fields(CERT) | {"csrf": token, "action": "check"})
        assert checked.status_code == 200 and "The certificate is valid against the ePhyto schema." in checked.text
        issued = wei.post("/nppo/issue", data=fields(CERT) | {"csrf": token, "action": "issue"})
        assert issued.status_code == 303
        page = wei.get(issued.headers["location"]).text
        assert re.search(r'id="cert-signed">signed, signature verified<', page)
        code = re.search(r'id="verification-code">([A-Z2-7-]+)<', page).group(1)
        assert wei.get(f"/certificates/print/{code}").status_code == 200
        assert f'data-certificate="{CERT["number"]}"' in wei.get("/nppo/").text

        replace_form = wei.get(f"/nppo/certificates/{CERT['number']}/replace").text
        assert f'value="{CERT["consignee"]["name"]}"' in replace_form
        new = fields(CERT) | {"csrf": token, "number": CERT["number"] + "R", "reason": "net weight corrected",
                              "products[0].net_weight_kg": "990"}
        replaced = wei.post(f"/nppo/certificates/{CERT['number']}/replace", data=new)
        assert replaced.status_code == 303 and CERT["number"] + "R" in replaced.headers["location"]
        old = wei.get(f"/nppo/certificates/{CERT['number']}?exporter=CN").text
        assert re.search(r'id="cert-status">replaced', old)
        withdrawn = wei.post(f"/nppo/certificates/{CERT['number']}R/withdraw", data={"csrf": token, "reason": "consignment lost"})
        assert withdrawn.status_code == 303
        assert re.search(r'id="cert-status">withdrawn', wei.get(withdrawn.headers["location"]).text)
    with signed_in_as(server, "ana") as ana:  # AU's NPPO reads certificates to AU; it replaces none of CN's
        assert ana.get(f"/nppo/certificates/{CERT['number']}").status_code == 200
        assert ana.get(f"/nppo/certificates/{CERT['number']}/replace").status_code == 404
    with signed_in_as(server, "kiri") as kiri:  # another economy's NPPO never sees a CN -> AU certificate
        assert CERT["number"] not in kiri.get("/nppo/").text
        assert kiri.get(f"/nppo/certificates/{CERT['number']}").status_code == 404
    with signed_in_as(server, "olga") as olga:
        assert olga.get("/nppo/").status_code == 403
