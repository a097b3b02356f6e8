"""The alphabet of ISO/IEC 7064 check characters: the digits, then the Latin capitals, each worth its position
(0-35). The MRN's MOD 37,36 check character (declarations/core.py) and the ISO 11649 creditor reference's
MOD 97-10 check digits (payments/core.py) both read text through it; the arithmetic is python-stdnum's."""

from __future__ import annotations

import string

from stdnum.iso7064 import mod_37_36

ALPHANUMERIC = string.digits + string.ascii_uppercase


def mod_37_36_check(body: str) -> str:
    """The ISO 7064 MOD 37,36 check character of `body` (digits and capitals only)."""
    return mod_37_36.calc_check_digit(body, alphabet=ALPHANUMERIC)
