"""`clearway hub serve` as a separate process, called by a client generated from the WSDL it serves (zeep,
strict): every one of the WSDL's 27 operations, with the messages built exactly as the WSDL defines them
(issue 9). The WSDL is the IPPC ePhyto hub's (Mattilsynet/ephyto-api, MIT; see the package's
data/SOURCE.md); the certificates are the published samples in tests/certificates/data (see SOURCE.md there).

The hub runs on the test's database backend (its tables are part of the same migrations)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import requests
from lxml import etree
from zeep import Client, Settings
from zeep.exceptions import Fault
from zeep.transports import Transport

from clearway.certificates import builder, hub_store, soap, sps
from clearway.certificates.hub_client import HubClient
from clearway.certificates.hub_server import OPERATIONS
from clearway.certificates.schemas import EPhytoIn
from tests.certificates.factories import ephyto, sample
from tests.support import free_port

ISSUED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _serve(args: list[str], env: dict) -> tuple[subprocess.Popen, str]:
    """Start `clearway hub serve ...`; returns the process and its first line on stderr (bounded wait)."""
    proc = subprocess.Popen([sys.executable, "-m", "clearway", "hub", "serve", *args], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stderr.readline()), daemon=True)
    reader.start()
    reader.join(timeout=90)
    return proc, (line[0] if line else "")


@pytest.fixture
def hub(db, tmp_path) -> Iterator[tuple[str, dict[str, str]]]:
    tokens = {c: hub_store.add_nppo(db.factory, country=c) for c in ("TH", "AU", "NZ")}
    port = free_port()
    env = {**os.environ, "CLEARWAY_DATA_DIR": str(tmp_path), "NO_PROXY": "*"}
    proc, said = _serve(["--port", str(port), "--database", db.url], env)
    try:
        url = f"http://127.0.0.1:{port}/hub/DeliveryService"
        assert said.startswith(f"ePhyto hub listening on {url}"), said
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}  # listening, as it said
        yield url, tokens
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()


def _zeep(url: str, token: str) -> Client:
    session = requests.Session()
    session.trust_env = False  # loopback only, never a proxy
    session.headers["Authorization"] = f"Bearer {token}"
    return Client(f"{url}?wsdl", settings=Settings(strict=True), transport=Transport(session=session, timeout=60))


def _header(number: str, **changes) -> dict:
    return {"From": "TH", "To": "AU", "CertificateType": 851, "CertificateStatus": 70,
            "NPPOCertificateNumber": number, **changes}


def _certificate(number: str) -> str:
    root = builder.build(EPhytoIn.model_validate(ephyto(number=number)), now=ISSUED)
    return builder.to_bytes(root).decode()


def test_every_operation_of_the_wsdl_is_served_to_a_strict_generated_client(hub):
    url, tokens = hub
    th, au, nz = (_zeep(url, tokens[c]) for c in ("TH", "AU", "NZ"))
    operations = set(th.service._binding._operations)
    assert len(operations) == 27 and operations == set(OPERATIONS)

    # Delivering: the three ways in, each with its body element as the WSDL names it.
    plain = th.service.DeliverEnvelope(env=_header("TH-PLAIN", Content="<x/>"))
    assert (plain.From, plain.To, plain.HUBTrackingInfo) == ("TH", "AU", "PendingDelivery")
    valid = th.service.ValidateAndDeliverEnvelope(envelope=_header("TH2026-000777",
                                                                   Content=_certificate("TH2026-000777")))
    assert valid.NPPOCertificateNumber == "TH2026-000777" and valid.hubDeliveryNumber
    phyto = th.service.DeliverPhytoEnvelope(ePhytoEnvelope=_header("TH-STRUCT", SPSCertificate={
        "SPSExchangedDocument": {"Name": "Phytosanitary certificate", "ID": "TH-STRUCT", "TypeCode": 851,
                                 "StatusCode": 70}}))
    assert phyto.HUBTrackingInfo == "PendingDelivery"

    # The importer sees, pulls and answers them.
    assert sorted(h.NPPOCertificateNumber for h in au.service.GetImportEnvelopeHeaders()) == \
        ["TH-PLAIN", "TH-STRUCT", "TH2026-000777"]
    assert au.service.GetImportEnvelopeHeaders(countryCode="NZ") is None  # none from NZ (zeep: empty is None)
    pulled = {e.NPPOCertificateNumber: e for e in au.service.PULLImportEnvelope()}
    assert pulled["TH2026-000777"].Content == _certificate("TH2026-000777")
    single = au.service.PULLSingleImportEnvelope(hubTrackingNumber=phyto.hubDeliveryNumber)
    carried = etree.fromstring(single.Content.encode())  # the structured certificate, as a document of its own
    assert carried.tag == f"{{{sps.RSM}}}SPSCertificate" and set(carried.nsmap.values()) == {sps.RSM}
    assert carried.findtext("rsm:SPSExchangedDocument/ram:ID", namespaces=sps.NSMAP) == "TH-STRUCT"
    assert len(th.service.GetUnderDeliveryEnvelope()) == 3
    assert au.service.AcknowledgeEnvelopeReceipt(hubTrackingNumber=valid.hubDeliveryNumber) is None
    assert au.service.AdvancedAcknowledgeEnvelopeReceipt(hubTrackingNumber=plain.hubDeliveryNumber,
                                                         warningMessage="no signature") == "OK"
    assert au.service.AcknowledgeFailedEnvelopeReceipt(hubTrackingNumber=phyto.hubDeliveryNumber,
                                                       message="not a full certificate") == "OK"
    tracked = th.service.GetEnvelopeTrackingInfo(hubTrackingNumber=plain.hubDeliveryNumber)
    assert (tracked.HUBTrackingInfo, tracked.hubDeliveryErrorMessage) == ("DeliveredWithWarnings", "no signature")
    assert th.service.GetUnderDeliveryEnvelope() is None
    update = _header("TH-PLAIN", hubDeliveryNumber=plain.hubDeliveryNumber, HUBTrackingInfo="Delivered")
    assert au.service.SetTrackingInfoUpdate(header=update) is None
    assert th.service.GetEnvelopeTrackingInfo(hubTrackingNumber=plain.hubDeliveryNumber).HUBTrackingInfo == "Delivered"
    answered = au.service.DeliverCountryResponseEnvelope(CountryResponseEnvelope={
        **_header("TH2026-000777", From="AU", To="TH", CertificateStatus=39),
        "SPSAcknowledgement": {"SPSAcknowledgementDocument": {"StatusCode": 39}}})
    assert (answered.From, answered.To, answered.HUBTrackingInfo) == ("AU", "TH", "PendingDelivery")
    assert [h.NPPOCertificateNumber for h in th.service.GetImportEnvelopeHeaders()] == ["TH2026-000777"]

    # Who is on the hub.
    assert [n.Country for n in th.service.GetActiveNppos()] == ["AU", "NZ", "TH"]
    profile = th.service.GetProfile()
    assert profile.Country == "TH"
    assert {(d.certificateType.number, d.certificateStatus.number, d.certificateStatus.value)
            for d in profile.AllowedDocument} == {(851, 70, "Issued"), (851, 40, "Withdrawn"),
                                                  (657, 70, "Issued"), (657, 40, "Withdrawn")}
    assert th.service.GetAvailableChannels() is None  # this hub forwards to no other channel

    # Validation, against published certificates.
    can = th.service.ValidatePhytoXML(ePhytoXML=sample("SPSCertificate-signed.xml").decode())
    assert can and {r.level for r in can} == {"INFO"}  # valid: nothing SEVERE
    lax = th.service.ValidatePhytoXML(ePhytoXML=sample("mattilsynet-SPSCertificateContent.xml").decode())
    assert any(r.level == "SEVERE" and r.area == "Schema" for r in lax)

    # The code lists: published UN/CEFACT and IPPC lists.
    units = {u.code: (u.name, u.type) for u in th.service.GetUnitMeasures()}
    assert units["KGM"] == ("kilogram", "WEIGHT") and units["CEL"][1] == "TEMPERATURE" and len(units) == 27
    assert {p.code: p.description for p in th.service.GetPackageTypes()}["CT"] == "Carton"
    modes = {m.modeCode: m.usedTransportMean for m in th.service.GetMeanOfTransports()}
    assert modes[1] == "Maritime transport" and modes[4] == "Air transport" and len(modes) == 10
    treatments = {t.code: t for t in th.service.GetTreatmentTypes()}
    assert (treatments["77"].description, treatments["77"].level, treatments["77"].parentCode) == \
        ("Methyl bromide treatment", 2, "16")
    assert (treatments["16"].description, treatments["16"].level) == ("Fumigation", 1)
    statements = {s.code: s for s in th.service.GetStatements()}
    assert len(statements) == 43 and statements["RPCST"].docTypeOnly == 657 and statements["DMCL"].docTypeOnly == 0
    assert {d.code for d in th.service.GetAdditionalDeclarations()} >= {"ADCO", "ADIP", "ADDI", "ADAO"}
    products = {p.code: p.name for p in th.service.GetProductDescriptions()}
    assert "fruit" in products["08"].lower() and "0901" in products
    for op in ("GetIntendedUses", "GetPesticides", "GetConditions"):  # no published list at hand: empty
        assert getattr(th.service, op)() == []


def test_refusals_are_faults_that_say_why(hub):
    url, tokens = hub
    th = _zeep(url, tokens["TH"])
    with pytest.raises(Fault, match=r"does not validate: .*SPSExchangedDocument"):
        th.service.ValidateAndDeliverEnvelope(envelope=_header(
            "X-1", Content=sample("mattilsynet-SPSCertificateContent.xml").decode()))
    with pytest.raises(Fault, match="NPPOCertificateNumber: the envelope says 'OTHER-1', the certificate's ID says "
                                    "'TH2026-000778'"):
        th.service.ValidateAndDeliverEnvelope(envelope=_header("OTHER-1", Content=_certificate("TH2026-000778")))
    with pytest.raises(Fault, match="nothing to respond to"):
        th.service.DeliverCountryResponseEnvelope(CountryResponseEnvelope={
            **_header("NEVER-SENT", To="AU"), "SPSAcknowledgement": {"SPSAcknowledgementDocument": {"StatusCode": 39}}})
    with pytest.raises(Fault, match="HUBTrackingInfo: 'PendingDelivery' is not one an importer sets"):
        th.service.SetTrackingInfoUpdate(header=_header("X", hubDeliveryNumber="n", HUBTrackingInfo="PendingDelivery"))
    with pytest.raises(Fault, match="hubDeliveryNumber: no envelope nope for TH"):
        th.service.SetTrackingInfoUpdate(header=_header("X", hubDeliveryNumber="nope", HUBTrackingInfo="Delivered"))


def test_the_soapaction_is_the_one_the_wsdl_binds(hub):
    """The WSDL binds AdvancedAcknowledgeEnvelopeReceipt to .../NegativeAcknowledgeEnvelopeReceipt; the node's
    client used to send .../AdvancedAcknowledgeEnvelopeReceipt, which the hub (like the WSDL) refuses."""
    url, tokens = hub
    bound = "http://ephyto.ippc.int/IDeliveryService/NegativeAcknowledgeEnvelopeReceipt"
    assert soap.actions()["AdvancedAcknowledgeEnvelopeReceipt"] == bound
    with HubClient(url, tokens["TH"], base_delay=0.01) as th, HubClient(url, tokens["AU"], base_delay=0.01) as au:
        sent = th.deliver(soap.Envelope("TH", "AU", 851, 70, "W-1", Content="<x/>"))
        au.acknowledge_with_warnings(sent.hubDeliveryNumber, "unsigned")
        assert th.tracking(sent.hubDeliveryNumber).HUBTrackingInfo == "DeliveredWithWarnings"
    body = soap.request("AdvancedAcknowledgeEnvelopeReceipt", hubTrackingNumber="x", warningMessage="w")
    wrong = httpx.post(url, content=body, headers={
        "Authorization": f"Bearer {tokens['AU']}", "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": '"http://ephyto.ippc.int/IDeliveryService/AdvancedAcknowledgeEnvelopeReceipt"'})
    assert wrong.status_code == 500 and b"HubWebException" in wrong.content
    assert f"the WSDL binds it to '{bound}'".encode() in wrong.content


def test_hub_serve_on_a_taken_port_exits_2_with_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "CLEARWAY_DATA_DIR": str(tmp_path)}
        done = subprocess.run([sys.executable, "-m", "clearway", "hub", "serve", "--port", str(port),
                               "--database", f"sqlite:///{tmp_path / 'hub.db'}"],
                              env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: port: 127.0.0.1:{port} is taken by another program; "
                                        "choose another with --port"]
    assert "listening" not in done.stderr + done.stdout
    assert not (tmp_path / "hub.db").exists()  # nothing started, nothing half-made
