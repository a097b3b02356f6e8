"""Every schema error of an invalid certificate. libxml2 (lxml's XMLSchema) stops at the first error inside
each element and skips the rest of it, so a certificate with twenty faults shows two (the Norwegian test
certificate in tests/certificates/data). xmlschema reads the same schema files and reports them all; it is
slower (its schema takes 10-20 s to build, once per process, on the first invalid certificate), so it only
runs once lxml has said the certificate is invalid.

Messages name elements in Clark notation ({namespace}Name), as libxml2 does, for schema._readable to turn
into the ram:/rsm: names a reader knows."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import xmlschema
from lxml import etree
from xmlschema.validators.exceptions import XMLSchemaChildrenValidationError

SCHEMA_PATH = Path(__file__).parent / "data" / "sps-cert-17p0" / "data" / "standard" / "SPSCertificate_17p0.xsd"

_lock = threading.Lock()
_built: list[xmlschema.XMLSchema10] = []

_QUOTED_NAME = re.compile(r"'([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)'")
_EXPECTED = re.compile(r"Tag (.+) expected\.")


def full_schema() -> xmlschema.XMLSchema10:
    """Built once per process, from the shipped files only (allow='local': nothing is fetched)."""
    with _lock:
        if not _built:
            _built.append(xmlschema.XMLSchema10(str(SCHEMA_PATH.resolve()), allow="local"))
        return _built[0]


def _clark(text: str, nsmap: dict[str | None, str], schema_ns: dict[str, str]) -> str:
    """'ns1:Name' (the document's prefix) or 'udt:Name' (the schema's) -> '{namespace}Name'."""
    def swap(m: re.Match) -> str:
        uri = nsmap.get(m.group(1)) or schema_ns.get(m.group(1))
        return f"'{{{uri}}}{m.group(2)}'" if uri else m.group(0)

    return _QUOTED_NAME.sub(swap, text)


def _children(node: etree._Element) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str)]


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def every_error(tree: etree._ElementTree) -> list[tuple[str, int | None, str | None]]:
    """(message, line, element path) for each schema error, in the order xmlschema finds them."""
    schema = full_schema()
    schema_ns = {k: v for k, v in schema.namespaces.items() if k}
    out = []
    for error in schema.iter_errors(tree, use_location_hints=False):
        node = error.elem if isinstance(getattr(error, "elem", None), etree._Element) else None
        nsmap = node.nsmap if node is not None else {}
        reason = _clark(error.reason or "", nsmap, schema_ns)
        where = node
        if isinstance(error, XMLSchemaChildrenValidationError) and node is not None:
            children = _children(node)
            expected = _EXPECTED.search(reason)
            hint = f"; expected: {expected.group(1)}" if expected else ""
            if 0 <= error.index < len(children):  # the unexpected child, where the reader must look
                where = children[error.index]
                message = f"Element '{where.tag}': This element is not expected{hint}."
            else:
                message = f"Element '{node.tag}': its content is not complete{hint}."
        elif node is not None and reason.startswith("value must be one of"):
            message = f"Element '{node.tag}': {_short(repr(error.obj), 80)} is not in the code list."
        else:
            name = f"Element '{node.tag}': " if node is not None else ""
            message = f"{name}{_short(reason)}"
        line = where.sourceline if where is not None else getattr(error, "sourceline", None)
        path = where.getroottree().getpath(where) if where is not None else error.path
        out.append((message, line, path))
    return out
