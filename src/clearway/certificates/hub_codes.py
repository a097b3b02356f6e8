"""The reference lists the hub serves (GetUnitMeasures, GetPackageTypes, GetTreatmentTypes, ...), read from
published code lists shipped in data/ (see data/SOURCE.md): the UN/CEFACT code list schemas of the
SPSCertificate 17p0 set (Rec. 19 transport modes, Rec. 20 units, Rec. 21 package types, UNCL 7187 process
types, UNCL 1001 document names, UNCL 4405 statuses), the 43 IPPC ePhyto note subject codes, and
the HS headings that need a phytosanitary certificate with their HS 2022 descriptions.

No database here: each function returns rows (dicts keyed by the WSDL's element names, in schema order).
Where no published list is at hand (intended uses, pesticides, conditions) the list is empty rather than
made up."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from lxml import etree

from clearway.reference.hs import nomenclature

DATA = Path(__file__).parent / "data"
CODELISTS = DATA / "sps-cert-17p0" / "codelist" / "standard"
_XSD = "http://www.w3.org/2001/XMLSchema"
_CCTS = "urn:un:unece:uncefact:documentation:standard:CoreComponentsTechnicalSpecification:2"

# UNCL 7187 process types that are phytosanitary treatments, grouped under the general one they refine.
TREATMENTS: dict[str, str | None] = {
    "45": None, "16": None, "77": "16", "78": "16", "81": "16", "95": None, "14": "95", "75": "95", "76": "95",
    "82": "95", "83": "95", "74": None, "7": "74", "32": "74", "15": None, "17": None, "59": None, "88": None,
    "89": None, "90": None, "91": None, "92": None, "93": None, "99": None, "101": None, "69": None,
}
UNIT_TYPES = (("Weight", "WEIGHT"), ("Volume", "VOLUME"), ("Duration", "DURATION"), ("Temperature", "TEMPERATURE"),
              ("Linear", "DISTANCE"))


@lru_cache(maxsize=32)
def codes(name: str) -> tuple[tuple[str, str, str], ...]:
    """(code, name, description) of every value of a UN/CEFACT-style code list schema in data/."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    tree = etree.parse(str(CODELISTS / name), parser)
    out = []
    for value in tree.iter(f"{{{_XSD}}}enumeration"):
        out.append((value.get("value"), (value.findtext(f".//{{{_CCTS}}}Name") or "").strip(),
                    (value.findtext(f".//{{{_CCTS}}}Description") or "").strip()))
    return tuple(out)


def name_of(list_name: str, code: int | str) -> str | None:
    return next((n for c, n, _ in codes(list_name) if c == str(code)), None)


def document_type(code: int) -> str | None:
    return name_of("UNECE_DocumentNameCode_D16B.xsd", code)


def document_status(code: int) -> str | None:
    return name_of("UNECE_StatusCode_D16B.xsd", code)


def unit_measures() -> list[dict]:
    return [{"active": True, "code": c, "name": n, "type": kind}
            for part, kind in UNIT_TYPES for c, n, _ in codes(f"UNECE_MeasurementUnitCommonCode{part}_4.xsd")]


def package_types() -> list[dict]:
    return [{"active": True, "code": c, "description": n, "lang": "en"} for c, n, _ in codes("UNECE_PackageTypeCode_2006.xsd")]


def mean_of_transports() -> list[dict]:
    return [{"active": True, "lang": "en", "modeCode": int(c), "usedTransportMean": n}
            for c, n, _ in codes("UNECE_TransportModeCode_2.xsd")]


def treatment_types() -> list[dict]:
    names = {c: n for c, n, _ in codes("UNECE_ProcessTypeCode_D16B.xsd")}
    return [{"active": True, "code": c, "description": names[c], "lang": "en", "level": 1 if parent is None else 2,
             **({"parentCode": parent} if parent else {})} for c, parent in TREATMENTS.items() if c in names]


def _tags() -> tuple[tuple[str, str, str], ...]:
    return codes("INTERCOM_ePhyto_TagAcronymCodes.xsd")


def statements() -> list[dict]:
    """Every IPPC note subject code; the re-export ones (RPC...) belong to re-export certificates (657) only."""
    return [{"active": True, "code": c, "docTypeOnly": 657 if c.startswith("RPC") else 0, "lang": "en",
             "text": f"{n}: {d}" if d else n} for c, n, d in _tags()]


def additional_declarations() -> list[dict]:
    return [{"active": True, "code": c, "lang": "en", "text": d or n} for c, n, d in _tags() if c.startswith("AD")]


def product_descriptions() -> list[dict]:
    """HS chapters and headings whose goods need a phytosanitary certificate, with their HS descriptions."""
    prefixes = json.loads((DATA / "phyto_requirements.json").read_text(encoding="utf-8"))["default"]["hs_prefixes"]
    hs = nomenclature()
    rows = []
    for prefix in prefixes:
        entry = hs.get(prefix)
        if entry is not None:
            rows.append({"active": True, "code": prefix, "lang": "en", "name": entry.description})
    return rows


def empty() -> list[dict]:
    return []


# Operation -> (item element, its child elements in schema order, rows).
LISTS = {
    "GetUnitMeasures": ("UnitMeasure", ("active", "code", "lastModified", "lastModifiedBy", "name", "symbol", "type"),
                        unit_measures),
    "GetPackageTypes": ("PackageType", ("active", "code", "description", "lang", "lastModified", "lastModifiedBy"),
                        package_types),
    "GetMeanOfTransports": ("MeanOfTransport", ("active", "lang", "lastModified", "lastModifiedBy", "modeCode",
                                                "usedTransportMean"), mean_of_transports),
    "GetTreatmentTypes": ("TreatmentType", ("active", "code", "description", "lang", "lastModified", "lastModifiedBy",
                                            "level", "parentCode"), treatment_types),
    "GetStatements": ("Statement", ("active", "code", "docTypeOnly", "lang", "lastModified", "lastModifiedBy", "text"),
                      statements),
    "GetAdditionalDeclarations": ("AdditionalDeclaration", ("active", "additionalCode", "code", "lang", "lastModified",
                                                            "lastModifiedBy", "optionalText", "text"),
                                  additional_declarations),
    "GetProductDescriptions": ("ProductDescription", ("active", "code", "lang", "lastModified", "lastModifiedBy",
                                                      "name"), product_descriptions),
    "GetIntendedUses": ("IntendedUse", ("active", "code", "lang", "lastModified", "lastModifiedBy", "name"), empty),
    "GetPesticides": ("Pesticide", ("active", "code", "description", "lastModified", "lastModifiedBy"), empty),
    "GetConditions": ("Condition", ("active", "code", "lang", "lastModified", "lastModifiedBy", "name"), empty),
}
