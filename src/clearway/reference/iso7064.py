"""The alphabet of ISO/IEC 7064 check characters: the digits, then the Latin capitals, each worth its position
(0-35). The MRN's MOD 37,36 check character (declarations/core.py) and the ISO 11649 creditor reference's
MOD 97-10 check digits (payments/core.py) both read text through it."""

from __future__ import annotations

import string

ALPHANUMERIC = string.digits + string.ascii_uppercase
