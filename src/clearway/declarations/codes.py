"""The trade's code lists beside Clearway's words. No database here.

A declaration may say its transport mode, its units, its package types and its document types with the codes
of the UN/ECE recommendations (what WCO Data Model messages carry) or with Clearway's words. The codes:
- transport mode: UN/ECE Recommendation 19 (Codes for modes of transport), codes 1-8 (0 "not specified" and
  9 "not applicable" name no mode);
- units: UN/ECE Recommendation 20 (Codes for units of measure used in international trade); the tariff reads
  both (clearway.tariff.expressions.UNIT_ALIASES), so units are stored as declared, and answered with their
  code beside (only the codes Clearway needs are listed here: the full list is not shipped);
- package types: UN/ECE Recommendation 21 (Codes for types of cargo, packages and packaging materials), as
  HMRC's Customs Declaration Service lists them (data/packageTypes.json, Apache-2.0: see data/SOURCE-codes.md);
- document types: UN/EDIFACT data element 1001 (Document name code), the ones Clearway has a word for.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

# Rec 19 code -> Clearway's word, and back.
TRANSPORT_MODE_BY_CODE = {"1": "sea", "2": "rail", "3": "road", "4": "air", "5": "post", "6": "multimodal",
                          "7": "fixed", "8": "inland_waterway"}
TRANSPORT_MODE_CODE = {word: code for code, word in TRANSPORT_MODE_BY_CODE.items()}

# UN/EDIFACT 1001 code -> Clearway's document type word (the words the checks look for).
DOCUMENT_TYPE_BY_CODE = {"380": "invoice", "851": "ephyto", "861": "certificate_of_origin",
                         "865": "certificate_of_origin", "911": "licence", "811": "licence",
                         "705": "bill_of_lading", "740": "air_waybill", "271": "packing_list"}
DOCUMENT_TYPE_CODE = {"invoice": "380", "ephyto": "851", "phyto": "851", "certificate_of_origin": "861",
                      "licence": "911", "bill_of_lading": "705", "air_waybill": "740", "packing_list": "271"}

# The Rec 20 codes Clearway knows (the units its tariffs use), and the words declarations say them with.
REC20 = {"KGM": "kilogram", "GRM": "gram", "TNE": "tonne", "LTR": "litre", "MTR": "metre", "MTK": "square metre",
         "MTQ": "cubic metre", "NAR": "number of articles", "C62": "one", "H87": "piece", "NPR": "number of pairs",
         "DZN": "dozen", "GRO": "gross", "BLL": "barrel (US)", "LPA": "litre of pure alcohol", "PFL": "proof litre"}
UNIT_CODE = {"kg": "KGM", "kilogram": "KGM", "g": "GRM", "gram": "GRM", "t": "TNE", "tonne": "TNE",
             "l": "LTR", "lt": "LTR", "litre": "LTR", "liter": "LTR", "m": "MTR", "metre": "MTR", "meter": "MTR",
             "sqm": "MTK", "m2": "MTK", "cbm": "MTQ", "m3": "MTQ",
             "item": "NAR", "u": "NAR", "pcs": "NAR", "pc": "NAR", "pce": "NAR", "no": "NAR", "unit": "NAR",
             "each": "NAR", "head": "NAR", "pair": "NPR", "pairs": "NPR", "pr": "NPR", "doz": "DZN", "dozen": "DZN",
             "gross": "GRO", "bbl": "BLL", "barrel": "BLL", "lpa": "LPA", "pfl": "PFL", "proof_l": "PFL"}


def unit_code(declared: str) -> str | None:
    """The Rec 20 code of a declared unit: a code as itself ('kgm' -> 'KGM'), a word as its code ('kg' ->
    'KGM'); None for a unit Clearway has no code for."""
    key = declared.strip()
    if key.upper() in REC20:
        return key.upper()
    return UNIT_CODE.get(key.lower())


def document_type_code(word: str) -> str | None:
    """The UN/EDIFACT 1001 code of a document type ('ephyto' -> '851'; a code as itself); None for a type the
    administration names that has none."""
    if word.isdigit() and len(word) <= 3:
        return word
    return DOCUMENT_TYPE_CODE.get(word)


def with_codes(content: dict) -> dict:
    """A declaration's content as answered: each coded field with its code beside the word it is stored as
    (transport.mode_code, items[].unit_code, documents[].type_code; package types are stored as codes)."""
    out = dict(content)
    if isinstance(out.get("transport"), dict) and out["transport"].get("mode") in TRANSPORT_MODE_CODE:
        out["transport"] = {**out["transport"], "mode_code": TRANSPORT_MODE_CODE[out["transport"]["mode"]]}
    if isinstance(out.get("items"), list):
        out["items"] = [{**item, "unit_code": unit_code(str(item.get("unit", "")))} for item in out["items"]]
    if isinstance(out.get("documents"), list):
        out["documents"] = [{**doc, "type_code": document_type_code(str(doc.get("type", "")))}
                            for doc in out["documents"]]
    return out


def unit_meaning(value: object) -> str:
    return unit_code(str(value)) or str(value).strip().upper()


def document_meaning(value: object) -> str:
    word = str(document_type(str(value).strip())).strip().lower()
    return document_type_code(word) or word


def agreeing(data: object, *, word: str, code: str, meaning: object) -> object:
    """An input object (dict) with its answered code field taken out: an answer lodged again (or amended)
    is accepted as long as the code says what the word says. `meaning` turns either into one form."""
    if not isinstance(data, dict) or code not in data:
        return data
    data = dict(data)
    given = data.pop(code)
    if given is None:
        return data
    if word not in data or data[word] is None:
        data[word] = given
    elif meaning(data[word]) != meaning(given):  # type: ignore[operator]
        raise ValueError(f"{code} {given!r} does not say what {word} {data[word]!r} says")
    return data


def transport_mode(value: object) -> object:
    """A Rec 19 code ('1', 1) as Clearway's word ('sea'); anything else as given (the schema judges it)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip() in TRANSPORT_MODE_BY_CODE:
        return TRANSPORT_MODE_BY_CODE[value.strip()]
    return value


def document_type(value: object) -> object:
    """A UN/EDIFACT 1001 code ('851') as Clearway's word ('ephyto'); other types as given."""
    if isinstance(value, str) and value.strip() in DOCUMENT_TYPE_BY_CODE:
        return DOCUMENT_TYPE_BY_CODE[value.strip()]
    return value


@cache
def package_types() -> dict[str, str]:
    """Rec 21 package type code -> English name (HMRC's list of the codes CDS accepts)."""
    text = resources.files("clearway.declarations").joinpath("data/packageTypes.json").read_text(encoding="utf-8")
    return {row["code"]: row["en"] for row in json.loads(text)}


def package_type(value: object) -> object:
    """A Rec 21 code in upper case (' ct' -> 'CT'), or a package name ('Carton') as its code; ValueError for
    anything else."""
    if not isinstance(value, str):
        return value
    code = value.strip().upper()
    if code in package_types():
        return code
    by_name = {name.lower(): c for c, name in package_types().items()}
    if value.strip().lower() in by_name:
        return by_name[value.strip().lower()]
    raise ValueError(f"{value!r} is not a UN/ECE Rec 21 package type code (e.g. CT carton, PK package, BX box)")
