"""The minimum amount collected: where an economy does not collect duty and tax whose total on one import
shipment is below an amount (a revenue waiver measured on the amount payable, besides or instead of a
de minimis value), e.g. New Zealand's NZD 60 ("Customs will have the discretion to not collect import duty
and GST where the total revenue payable on any one import shipment is less than $60", from 1 October 2010,
raised from $50; not for alcohol or tobacco: NZ Customs notice, exportertoday.co.nz 2010; NZ Customs OIA
response "Examples of how to calculate Customs Charges", fyi.org.nz request 657).

Shared by both paths: `waived` works on ints and NumPy arrays. A consignment holding goods excluded from
de minimis (alcohol, tobacco) is collected in full."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from clearway.tariff import kernel


@dataclass(frozen=True)
class CollectionThreshold:
    amount: Decimal  # in the local currency; amounts payable strictly below it are not collected
    valid_from: date
    legal_basis: str


def parse(spec: dict[str, Any] | None) -> CollectionThreshold | None:
    if not spec:
        return None
    return CollectionThreshold(Decimal(spec["amount"]), date.fromisoformat(spec["from"]), spec["legal_basis"])


def threshold_minor(rule: CollectionThreshold | None, on: date, minor_units: int) -> int | None:
    if rule is None or on < rule.valid_from:
        return None
    return int(rule.amount.scaleb(minor_units))


def waived(payable: kernel.Num, threshold: int | None, excluded: kernel.Num) -> kernel.Num:
    """Is the amount payable below the collection threshold (and no excluded goods in the shipment)?"""
    if threshold is None:
        return (payable * 0) > 0
    return (payable < threshold) & ~excluded if kernel.is_array(payable) else (payable < threshold and not excluded)
