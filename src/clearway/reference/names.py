"""How party names (importer, exporter, consignee, a certificate's consignor) are compared: after Unicode NFKC
normalisation, so full-width "ＡＣＭＥ" and the "ﬁ" ligature read as "ACME" and "fi", then case-folded with
runs of white space made one space. No database here."""

from __future__ import annotations

import unicodedata


def name_key(name: str | None) -> str:
    """The form two names are compared in: equal keys mean the same name as written."""
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())

