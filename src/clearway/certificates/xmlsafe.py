"""Parse untrusted XML safely: no DTDs, no entities, no network, bounded size.

A document with any DOCTYPE is refused outright (that covers external entities, XXE and
"billion laughs" entity expansion); the parser never loads a DTD, never resolves an entity and never
touches the network."""

from __future__ import annotations

import threading

from lxml import etree

MAX_XML_BYTES = 1_000_000  # the API's body limit; certificates with attachments stay well under it

_local = threading.local()


class XmlRefused(ValueError):
    """Not a document we read: malformed, a DTD/entity, or too big. `line` where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


def _parser() -> etree.XMLParser:
    # lxml parsers are not shared between threads: one per thread, built once.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                                 huge_tree=False, remove_blank_text=False, collect_ids=False)
        _local.parser = parser
    return parser


def parse(data: bytes | str, *, limit: int = MAX_XML_BYTES) -> etree._ElementTree:
    """The parsed tree, or XmlRefused naming why."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > limit:
        raise XmlRefused(f"the document is {len(data)} bytes, over the limit of {limit}")
    if not data.strip():
        raise XmlRefused("the document is empty")
    # A cheap early refusal; the parsed-tree check below catches encodings that hide it.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlRefused("DOCTYPE and ENTITY declarations are refused (no DTDs, no entities)",
                         line=data[: data.find(b"<!")].count(b"\n") + 1)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise XmlRefused(f"not well-formed XML: {exc.msg}", line=line) from None
    tree = root.getroottree()
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise XmlRefused("DOCTYPE declarations are refused (no DTDs, no entities)", line=1)
    for node in root.iter(etree.Entity):  # an unresolved entity reference left by resolve_entities=False
        raise XmlRefused("entity references are refused", line=node.sourceline)
    return tree
