"""Border levies charged per consignment whatever the duty and tax come to, by transport mode and customs value
band: New Zealand's low-value goods levy from 2026-04-01 (Customs and Excise (Goods Management Levies) Order
2025, cl 7 ff., with MPI's biosecurity share): NZD 2.21 + GST per consignment of NZD 1,000 or less by air
(Customs 1.46 + MPI 0.75) and NZD 2.09 + GST by sea (NZ Customs, Goods Fees - 2026 changes, industry pack 1;
amounts as reported by gogondola.com 2026-03-16 and the ShipEngine help centre). Both paths call `applies`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from clearway.tariff import kernel


@dataclass(frozen=True)
class Levy:
    valid_from: date
    valid_to: date | None
    amount: Decimal  # per consignment, in the local currency, GST included
    max_value: Decimal | None  # charged on consignments whose customs value is at most this
    modes: tuple[str, ...]  # transport modes it is charged on
    description: str
    legal_basis: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def parse(spec: list[dict[str, Any]]) -> tuple[Levy, ...]:
    return tuple(Levy(date.fromisoformat(r["from"]), date.fromisoformat(r["to"]) if r.get("to") else None,
                      Decimal(r["amount"]), Decimal(r["max_value"]) if r.get("max_value") else None,
                      tuple(r["modes"]), r["description"], r["legal_basis"]) for r in spec)


def in_force(levies: tuple[Levy, ...], on: date) -> list[Levy]:
    return [x for x in levies if x.in_force(on)]


def applies(levy: Levy, value: kernel.Num, mode: Any, minor_units: int) -> kernel.Num:
    """Is the levy charged on a consignment of this customs value (local minor units) and transport mode?"""
    by_mode = np.isin(mode, levy.modes) if kernel.is_array(mode) else mode in levy.modes
    if levy.max_value is None:
        return by_mode
    return by_mode & (value <= int(levy.max_value.scaleb(minor_units)))
