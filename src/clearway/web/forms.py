"""Form fields named by the API's own paths (`items[0].hs_code`, `transport.containers[1]`) read back into
the JSON document the API takes, so that the API's refusals (which name the same paths) land beside their
fields."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d{1,3}\])*")
_PART = re.compile(r"([A-Za-z_]\w*)|\[(\d{1,3})\]")
MAX_ROWS = 999  # a declaration holds at most 999 goods items; a larger index is not a field of ours


def _parts(name: str) -> list[str | int] | None:
    if not _NAME.fullmatch(name):
        return None
    parts: list[str | int] = [m.group(1) if m.group(1) else int(m.group(2)) for m in _PART.finditer(name)]
    return None if any(isinstance(p, int) and p >= MAX_ROWS for p in parts) else parts


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
        _put(tree, parts, value)
    return _lists(tree)


def nested(pairs: Iterable[tuple[str, Any]], *, lines: Iterable[str] = (), skip: Iterable[str] = ("csrf",)) -> dict[str, Any]:
    """The API's document from a form whose blank rows are offered, not meant (the officer's and NPPO's forms):
    blank fields and wholly blank rows are left out (the API's defaults apply), and a field named in `lines` (a
    textarea) becomes the list of its non-blank lines."""
    lines = set(lines)
    fields: list[tuple[str, str]] = []
    for name, raw in pairs:
        if not isinstance(raw, str):
            continue
        if name in lines:
            fields += [(f"{name}[{i}]", text) for i, text in enumerate(t for t in raw.splitlines() if t.strip())]
        else:
            fields.append((name, raw))
    return _without_blank_rows(prune(unflatten(fields, skip=tuple(skip))))


def _put(tree: dict[Any, Any], parts: list[str | int], value: Any) -> None:
    """A name that would go below a plain value (`a` and `a.b` both sent) keeps the first, as does a repeat."""
    node: Any = tree
    for here in parts[:-1]:
        node = node.setdefault(here, {})
        if not isinstance(node, dict):
            return
    node.setdefault(parts[-1], value)


def _without_blank_rows(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_blank_rows(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_blank_rows(v) for v in node if v != {}]
    return node


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
