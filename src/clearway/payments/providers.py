"""Pluggable payment-reference providers. A provider issues the reference a trader pays against and
recognises its own references. Add one by registering it in PROVIDERS."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from clearway.payments import core


@dataclass(frozen=True)
class Issued:
    reference: str
    instructions: str


class Provider(Protocol):
    name: str

    def issue(self, *, mrn: str, amount: Decimal, currency: str, economy: str) -> Issued: ...

    def recognises(self, reference: str) -> bool: ...


class BankTransfer:
    """Bank transfer to the customs administration's account, quoting an ISO 11649 RF reference."""

    name = "bank_transfer"

    def issue(self, *, mrn: str, amount: Decimal, currency: str, economy: str) -> Issued:
        ref = core.new_rf_reference(mrn)
        return Issued(ref, f"Transfer {format(amount, 'f')} {currency} to the {economy} customs revenue account "
                           f"quoting the structured reference {ref}")

    def recognises(self, reference: str) -> bool:
        return core.rf_is_valid(reference)


PROVIDERS: dict[str, Provider] = {"bank_transfer": BankTransfer()}
