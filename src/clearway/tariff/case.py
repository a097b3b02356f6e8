"""What the calculator's steps (clearway.tariff.core) pass on to each other: the values of the items,
the de minimis test of the consignment, and the case every step reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clearway.declarations.schemas import DeclarationIn
from clearway.tariff.rules import DeMinimis, EconomyRules, VendorCollection
from clearway.tariff.schedule import Schedule


@dataclass(frozen=True)
class Values:
    """Per item, in minor units of one currency: customs value on the economy's basis, FOB, CIF, and the
    freight and insurance allocated to it."""

    customs_value: list[int]
    fob: list[int]
    cif: list[int]
    transport: list[int]

    def consignment(self) -> dict[str, int]:
        return {"customs_value": sum(self.customs_value), "fob": sum(self.fob), "cif": sum(self.cif)}


@dataclass(frozen=True)
class DeMinimisTest:
    """The consignment-value test: the regime that applies, its thresholds in local minor units, and whether
    duty and tax are waived; the registered vendor whose collected tax is not charged again."""

    regime: DeMinimis | None
    basis: str
    value: int  # the consignment value the thresholds are compared with
    duty_threshold: int | None
    tax_threshold: int | None
    duty_waived: bool
    tax_waived: bool
    vendor: VendorCollection | None
    vendor_ceiling: int | None


@dataclass(frozen=True)
class Case:
    """What every step reads: the declaration, the rules in force and the values in local currency."""

    decl: DeclarationIn
    on: date
    rules: EconomyRules
    schedule: Schedule
    local: str
    values: Values
    dm: DeMinimisTest
    documents: frozenset[str]
