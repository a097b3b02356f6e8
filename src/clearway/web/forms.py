"""Form fields named by the API's own paths (`items[0].hs_code`, `transport.containers[1]`) read back into
the JSON document the API takes, so that the API's refusals (which name the same paths) land beside their
fields."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d{1,3}\])*")
_PART = re.compile(r"([A-Za-z_]\w*)|\[(\d{1,3})\]")


def _parts(name: str) -> list[str | int] | None:
    if not _NAME.fullmatch(name):
        return None
    return [m.group(1) if m.group(1) else int(m.group(2)) for m in _PART.finditer(name)]


def unflatten(fields: Iterable[tuple[str, str]], skip: tuple[str, ...] = ("csrf", "action")) -> dict[str, Any]:
    """[('items[0].hs_code', '610910'), ...] -> {'items': [{'hs_code': '610910'}]}. Lists keep their order
    by index with gaps closed (a removed row leaves no hole). Empty fields are kept as "" (so that an empty
    row stays on the form): `prune` takes them out before the document goes to the API."""
    tree: dict[str, Any] = {}
    for name, raw in fields:
        value = raw.strip() if isinstance(raw, str) else raw
        parts = _parts(name)
        if name in skip or parts is None:
            continue
        node: Any = tree
        for part, nxt in zip(parts, parts[1:]):
            node = node.setdefault(part, {} if isinstance(nxt, str) else {})
        node[parts[-1]] = value
    return _lists(tree)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(isinstance(k, int) for k in node):
            return [_lists(node[k]) for k in sorted(node)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def prune(node: Any) -> Any:
    """The document as a JSON client sends it: no empty text, no empty object (except a row of a list, which
    the API then names as missing its fields), no empty text in a list of texts."""
    if isinstance(node, dict):
        out = {k: prune(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v not in ("", {}, [])}
    if isinstance(node, list):
        return [prune(v) for v in node if v != ""]
    return node


def flatten(doc: Any, prefix: str = "") -> dict[str, str]:
    """The inverse, to fill a form again from a document: {'items': [{'hs_code': ..}]} -> {'items[0].hs_code': ..}."""
    out: dict[str, str] = {}
    if isinstance(doc, dict):
        for key, value in doc.items():
            out |= flatten(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out |= flatten(value, f"{prefix}[{i}]")
    elif doc is not None:
        out[prefix] = str(doc)
    return out
