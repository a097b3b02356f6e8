"""Parse untrusted XML safely: no DTDs, no entities, no network, bounded size.

A document with any DOCTYPE is refused outright (that covers external entities, XXE and
"billion laughs" entity expansion); the parser never loads a DTD, never resolves an entity and never
touches the network. Shared by every domain that reads XML from outside (ePhyto certificates, WCO
declarations)."""

from __future__ import annotations

import threading

from lxml import etree

MAX_XML_BYTES = 1_000_000  # the API's body limit; certificates with attachments stay well under it
# Deepest nesting read: a WCO declaration goes 9 levels deep and an SPS certificate 8; anything far deeper is
# an attack on the recursive code that walks trees, not a document.
MAX_DEPTH = 64

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


def _depth(root: etree._Element) -> tuple[int, etree._Element]:
    """The deepest level under root (root is 1) and an element at that level."""
    deepest, where = 1, root
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if level > deepest:
            deepest, where = level, node
        stack.extend((child, level + 1) for child in node)
    return deepest, where


def parse(data: bytes | str, *, limit: int = MAX_XML_BYTES, max_depth: int = MAX_DEPTH) -> etree._ElementTree:
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
    depth, where = _depth(root)
    if depth > max_depth:
        raise XmlRefused(f"the document nests {depth} levels deep, over the limit of {max_depth}",
                         line=where.sourceline)
    return tree


def unsigned_nodes(root: etree._Element) -> list[etree._Element]:
    """Comments and processing instructions anywhere in the document (before, inside or after the root).
    A signature does not cover comments, and either can split an element's text: '<ID>AU-1<!---->-77</ID>'."""
    around = [*root.itersiblings(preceding=True), *root.itersiblings()]
    inside = [n for n in root.iter() if not isinstance(n.tag, str)]
    return [n for n in around + inside if isinstance(n, (etree._Comment, etree._ProcessingInstruction))]


def describe(node: etree._Element) -> str:
    kind = "a comment" if isinstance(node, etree._Comment) else "a processing instruction"
    return f"{kind} at line {node.sourceline}" if node.sourceline else kind


def first_unsigned_node(root: etree._Element) -> str | None:
    """'a comment at line 12' for the first comment or processing instruction, or None."""
    found = unsigned_nodes(root)
    return describe(found[0]) if found else None


def remove_keeping_tail(node: etree._Element) -> None:
    """Take a node out of its parent, keeping the text that followed it where it stood."""
    parent, previous = node.getparent(), node.getprevious()
    if node.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def strip_unsigned_nodes(root: etree._Element) -> int:
    """Remove every comment and processing instruction inside the root, keeping the text around them
    joined ('AU-1<!---->-77' becomes 'AU-1-77'); how many were removed."""
    found = [n for n in root.iter() if isinstance(n, (etree._Comment, etree._ProcessingInstruction))]
    for node in found:
        remove_keeping_tail(node)
    return len(found)
