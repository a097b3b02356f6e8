"""A browser form as the nested data the API takes: fields named by their API path (`products[0].hs_code`,
`consignor.name`) so that a refusal's field path is the name of the form field it concerns. Pure parsing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d{1,3}\])*")
_PART = re.compile(r"([A-Za-z_]\w*)|\[(\d{1,3})\]")
MAX_ROWS = 200  # no form offers more rows than this; a larger index is refused as a name


def _parts(name: str) -> list[str | int] | None:
    if not _NAME.fullmatch(name):
        return None
    parts: list[str | int] = [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PART.finditer(name)]
    return None if any(isinstance(p, int) and p >= MAX_ROWS for p in parts) else parts


def _put(tree: dict[Any, Any], parts: list[str | int], value: Any) -> None:
    """Rows are gathered as {index: row} first (_lists turns them into lists); a name that would go below
    a plain value (`a` and `a.b` both sent) keeps the first."""
    node: Any = tree
    for here in parts[:-1]:
        node = node.setdefault(here, {})
        if not isinstance(node, dict):
            return
    node.setdefault(parts[-1], value)


def _lists(node: Any) -> Any:
    """{0: a, 2: b} -> [a, b] (rows left wholly blank are gone), recursively; empty objects are dropped."""
    if not isinstance(node, dict):
        return node
    out = {k: _lists(v) for k, v in node.items()}
    out = {k: v for k, v in out.items() if v not in ({}, [], None)}
    if out and all(isinstance(k, int) for k in out):
        return [out[k] for k in sorted(out)]
    return out


def nested(pairs: Iterable[tuple[str, Any]], *, lines: Iterable[str] = (), skip: Iterable[str] = ("csrf",)) -> dict[str, Any]:
    """Nested data from form pairs: blank fields are left out (the API's defaults apply), a field named in
    `lines` (a textarea) becomes the list of its non-blank lines, and names that are not a path are ignored."""
    lines, skip = set(lines), set(skip)
    tree: dict[str, Any] = {}
    for name, raw in pairs:
        if name in skip or not isinstance(raw, str):
            continue
        parts = _parts(name)
        if parts is None:
            continue
        value: Any = raw.strip()
        if name in lines:
            value = [ln.strip() for ln in raw.splitlines() if ln.strip()]
            if not value:
                continue
        elif not value:
            continue
        _put(tree, parts, value)
    return _lists(tree)
