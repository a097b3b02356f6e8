"""ISO 4217 currencies (from pycountry) with their minor units, and rounding by them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import pycountry

# ISO 4217 minor units that are not 2 (the ISO list, current codes).
_MINOR_UNITS = {
    **dict.fromkeys(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                     "VND", "VUV", "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


@cache
def is_currency(code: str) -> bool:
    return isinstance(code, str) and len(code) == 3 and pycountry.currencies.get(alpha_3=code.upper()) is not None


def minor_units(code: str) -> int:
    return _MINOR_UNITS.get(code.upper(), 2)


def quantum(code: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(code))


def round_money(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to the currency's minor unit (half up, unless the law says otherwise)."""
    return amount.quantize(quantum(currency), rounding=rounding)
