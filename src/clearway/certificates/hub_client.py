"""A Clearway node as a client of the hub DeliveryService (SOAP 1.1 over HTTP, httpx).

Transport failures and server errors are retried with exponential backoff (and jitter); a SOAP fault
is the hub refusing the request and is not retried. Delivering the same envelope again is safe: the hub
answers with the delivery number it gave the first time."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import httpx
from lxml import etree

from clearway.certificates import soap
from clearway.certificates.soap import Envelope, SoapFault


class HubUnavailable(Exception):
    """The hub could not be reached (or kept failing) after the retries: try again later."""


class HubClient:
    def __init__(self, url: str, token: str, *, attempts: int = 4, base_delay: float = 0.2, timeout: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.url, self.attempts, self.base_delay, self.sleep = url, attempts, base_delay, sleep
        self.http = httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {token}"})

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def call(self, operation: str, **params: object) -> etree._Element:
        """The operation's response element; SoapFault if refused, HubUnavailable if unreachable."""
        body = soap.request(operation, **params)
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap.actions()[operation]}"'}
        last = "no attempt made"
        for attempt in range(self.attempts):
            if attempt:
                delay = self.base_delay * 2 ** (attempt - 1)
                self.sleep(delay + random.uniform(0, delay / 2))
            try:
                response = self.http.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code == 401:
                raise SoapFault("the hub does not know this NPPO's token")
            if response.status_code in (200, 500) and b"Envelope" in response.content[:400]:
                try:
                    return soap.read_body(response.content)
                except SoapFault as fault:
                    if response.status_code == 500 and fault.code.endswith("Server"):
                        last = fault.message
                        continue
                    raise
            last = f"HTTP {response.status_code}"
        raise HubUnavailable(f"the hub did not answer {operation} after {self.attempts} attempts: {last}")

    # The DeliveryService operations -------------------------------------------------------------------

    def deliver(self, env: Envelope) -> Envelope:
        result = self.call("DeliverEnvelope", env=env).find(f"{{{soap.TNS}}}DeliverEnvelopeResult")
        if result is None:
            raise SoapFault("DeliverEnvelope answered without a result")
        return soap.read_envelope(result)

    def tracking(self, delivery_number: str) -> Envelope | str:
        result = self.call("GetEnvelopeTrackingInfo", hubTrackingNumber=delivery_number).find(
            f"{{{soap.TNS}}}GetEnvelopeTrackingInfoResult")
        info = result.findtext(f"{{{soap.HUB}}}HUBTrackingInfo") if result is not None else None
        if info == "EnvelopeNotExists" or result is None:
            return "EnvelopeNotExists"
        return soap.read_envelope(result)

    def _list(self, operation: str, result: str) -> list[Envelope]:
        node = self.call(operation).find(f"{{{soap.TNS}}}{result}")
        return [] if node is None else [soap.read_envelope(e) for e in node if isinstance(e.tag, str)]

    def import_headers(self) -> list[Envelope]:
        return self._list("GetImportEnvelopeHeaders", "GetImportEnvelopeHeadersResult")

    def pull(self) -> list[Envelope]:
        return self._list("PULLImportEnvelope", "PULLImportEnvelopesResult")

    def pull_single(self, delivery_number: str) -> Envelope:
        result = self.call("PULLSingleImportEnvelope", hubTrackingNumber=delivery_number).find(
            f"{{{soap.TNS}}}PULLSingleImportEnvelopeResult")
        return soap.read_envelope(result)

    def under_delivery(self) -> list[Envelope]:
        return self._list("GetUnderDeliveryEnvelope", "GetUnderDeliveryEnvelopeResult")

    def acknowledge(self, delivery_number: str) -> None:
        self.call("AcknowledgeEnvelopeReceipt", hubTrackingNumber=delivery_number)

    def acknowledge_with_warnings(self, delivery_number: str, warnings: str) -> None:
        self.call("AdvancedAcknowledgeEnvelopeReceipt", hubTrackingNumber=delivery_number,
                  warningMessage=warnings[:4000])

    def acknowledge_failed(self, delivery_number: str, message: str) -> None:
        self.call("AcknowledgeFailedEnvelopeReceipt", hubTrackingNumber=delivery_number, message=message[:4000])

    def active_nppos(self) -> list[str]:
        node = self.call("GetActiveNppos").find(f"{{{soap.TNS}}}GetActiveNpposResult")
        return [] if node is None else [n.findtext(f"{{{soap.HUB}}}Country") for n in node]
