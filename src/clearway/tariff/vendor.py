"""Tax a registered vendor or platform already collected at the point of sale: what is still due at the
border, and whether the low-value duty waiver holds. Shared by the per-declaration path
(clearway.tariff.core) and the bulk path (clearway.tariff.bulk); works on ints or NumPy arrays.

- New Zealand: "If GST on the value of the goods has already been collected at the point of sale by the
  supplier GST will still be payable on any duty at the border" (NZ Customs, New GST rules for low-value
  imported goods, 12 July 2019; GST Act 1985 s 12 values imported goods at customs value + duty + freight).
- Chile: from 2025-10-25 (Ley 21.713) goods up to USD 500 bought from a platform registered with the SII
  carry VAT in the price and are cleared without VAT and without the 6% ad valorem duty; bought elsewhere,
  VAT and duty are paid at import (Servicio Nacional de Aduanas, 2025-10-03; SII, 2025-10-25)."""

from __future__ import annotations

from datetime import date

from clearway.tariff import kernel
from clearway.tariff.rules import EconomyRules, VendorCollection


def base_still_due(rules: EconomyRules, duty_amount: kernel.Num, excise_amount: kernel.Num) -> kernel.Num:
    """The part of the tax base the vendor's collection did not cover (NZ: the duty; AU: nothing)."""
    vendor = rules.vendor
    assert vendor is not None
    base = duty_amount * 0
    if "duty" in vendor.still_due:
        base = base + duty_amount
    if "excise" in vendor.still_due:
        base = base + excise_amount
    return kernel.floor_step(base, rules.rounding_tax.base_step)


def duty_waiver_holds(rules: EconomyRules, on: date, registered: kernel.Num) -> kernel.Num:
    """Does the low-value duty waiver hold? Where the law ties it to a registered vendor (CL), only then."""
    v = rules.vendor
    if v is None or not v.duty_waiver_needs_registration or on < v.valid_from:
        return registered | True
    return registered


def text(rules: EconomyRules, vendor: VendorCollection, registration: str, still_due: int) -> str:
    what = f"{rules.tax_name} collected at the point of sale by registered vendor {registration}"
    if vendor.still_due and still_due:
        return f"{what}: charged here only on the {' and '.join(vendor.still_due)} ({vendor.legal_basis})"
    return f"{what}: not charged again ({vendor.legal_basis})"
