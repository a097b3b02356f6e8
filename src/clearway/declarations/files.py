"""Declarations in files, for lodging many at once (`clearway submit`, the trader's upload page). No database
here. JSON (one declaration or an array), JSON Lines, or CSV with one row per goods item: rows sharing an LRN
are one declaration, whose header fields are read from its first row."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

Doc = tuple[int, Any]  # (line number, parsed JSON or the parse error text)

# The CSV columns, in the template's order. A row is one goods item; the declaration's fields repeat (or are
# left empty) on its other rows. `containers` holds container numbers separated by spaces.
HEADER = ("lrn", "type", "office", "currency", "incoterm", "freight", "insurance", "importer_id", "importer_name",
          "importer_country", "exporter_name", "exporter_country", "transport_mode", "transport_document",
          "arrival", "containers", "hs_code", "description", "origin", "quantity", "unit", "net_weight_kg", "value",
          "preference")
ITEM = ("hs_code", "description", "origin", "quantity", "unit", "net_weight_kg", "value", "preference")
EXAMPLE = ("ACME-2026-TEE-0001", "import", "AUSYD", "USD", "FOB", "100.00", "10.00", "AU-ABN-11222333444",
           "Acme Imports", "AU", "Dhaka Knit Ltd", "BD", "sea", "MAEU555000111", "2026-11-28T10:00:00Z",
           "MSCU1234566", "610910", "Cotton T-shirts, knitted", "BD", "1000", "u", "200", "2000.00", "")


def split_documents(text: str) -> list[Doc]:
    """A single JSON document (object, or array of objects), or JSON Lines. A line that is not JSON
    stays in the list as a string, to be refused alone."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("the file is empty")
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):
        return [(1, whole)]
    if isinstance(whole, list):
        return [(i + 1, d) for i, d in enumerate(whole)]
    docs: list[Doc] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            docs.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            docs.append((n, f"malformed JSON: {exc.msg} at column {exc.colno}"))
    return docs


def template() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(HEADER)
    writer.writerow(EXAMPLE)
    return out.getvalue()


def _put(doc: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    if value:
        node = doc
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value


def _header(row: dict[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"items": []}
    for column, path in (("lrn", ("lrn",)), ("type", ("type",)), ("office", ("office",)),
                         ("currency", ("currency",)), ("incoterm", ("incoterm",)), ("freight", ("freight",)),
                         ("insurance", ("insurance",)), ("importer_id", ("importer", "id")),
                         ("importer_name", ("importer", "name")), ("importer_country", ("importer", "country")),
                         ("exporter_name", ("exporter", "name")), ("exporter_country", ("exporter", "country")),
                         ("transport_mode", ("transport", "mode")), ("transport_document", ("transport", "document")),
                         ("arrival", ("transport", "arrival"))):
        _put(doc, path, row.get(column, ""))
    containers = row.get("containers", "").split()
    if containers:
        doc.setdefault("transport", {})["containers"] = containers
    return doc


def read_csv(text: str) -> list[tuple[list[int], dict[str, Any] | str]]:
    """(the file's line numbers of each declaration's rows, the declaration as JSON), in the order of their first
    rows; a row that cannot be read is (its line, the reason). Line 1 is the header."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("lrn", "hs_code") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"the header lacks the column(s) {', '.join(missing)}: download the template")
    unknown = [c for c in reader.fieldnames or [] if c not in HEADER]
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(unknown)}: the columns are {', '.join(HEADER)}")
    groups: dict[str, tuple[list[int], dict[str, Any]]] = {}
    out: list[tuple[list[int], dict[str, Any] | str]] = []
    for row in reader:
        line = reader.line_num
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        if not row.get("lrn"):
            out.append(([line], "lrn: every row names the LRN of its declaration"))
            continue
        if row["lrn"] not in groups:
            groups[row["lrn"]] = ([], _header(row))
            out.append(groups[row["lrn"]])
        lines, doc = groups[row["lrn"]]
        lines.append(line)
        item: dict[str, Any] = {}
        for column in ITEM:
            _put(item, (column,), row.get(column, ""))
        doc["items"].append(item)
    return out


_ITEM_PATH = re.compile(r"^items\[(\d+)\]")


def line_of(lines: list[int], path: str) -> int:
    """The file line an error of a CSV declaration belongs to: its goods item's row, else its first row."""
    found = _ITEM_PATH.match(path)
    if found and int(found.group(1)) < len(lines):
        return lines[int(found.group(1))]
    return lines[0]
