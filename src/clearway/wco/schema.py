"""The WCO DEC-DMS and RES-DMS schemas (HMRC's CDS set 3.0, shipped unmodified under data/xsd) and
validation against them with xmlschema: each error with the XPath of the element and the reason. No database.

Compiling the DEC schema (515 KB) takes seconds, so each schema is built once per process, on first use."""

from __future__ import annotations

import threading
from importlib import resources

import xmlschema
from lxml import etree

from clearway.errors import FieldError

MAX_ERRORS = 20

_lock = threading.Lock()
_built: dict[str, xmlschema.XMLSchema10] = {}


def _schema(driver: str) -> xmlschema.XMLSchema10:
    with _lock:
        if driver not in _built:
            path = resources.files("clearway.wco").joinpath(f"data/xsd/{driver}")
            _built[driver] = xmlschema.XMLSchema10(str(path))
        return _built[driver]


def declaration_schema() -> xmlschema.XMLSchema10:
    """The MetaData envelope with the DEC Declaration (HMRC's xsd.locations.submit)."""
    return _schema("driver_dec.xsd")


def response_schema() -> xmlschema.XMLSchema10:
    """The MetaData envelope with the RES Response."""
    return _schema("driver_res.xsd")


def _errors(schema: xmlschema.XMLSchema10, tree: etree._ElementTree) -> list[FieldError]:
    found = []
    for error in schema.iter_errors(tree):
        found.append(FieldError(error.path or "/", str(error.reason or error.message)))
        if len(found) >= MAX_ERRORS:
            break
    return found


def declaration_errors(tree: etree._ElementTree) -> list[FieldError]:
    """Every way (up to MAX_ERRORS) the document departs from the DEC schema: XPath and reason."""
    return _errors(declaration_schema(), tree)


def response_errors(tree: etree._ElementTree) -> list[FieldError]:
    return _errors(response_schema(), tree)
