"""The compact form in which Clearway ships whole schedules: a clearway-tariff-schedule/1 document with each
measure field dictionary-encoded (each distinct value stored once, rows hold indexes), gzip-compressed.
No database here; `unpack(pack(doc)) == doc`."""

from __future__ import annotations

import gzip
import json
from typing import Any

PACKED = "clearway-tariff-packed/1"


def pack(doc: dict[str, Any], *, attribution: str = "") -> bytes:
    fields = sorted({k for m in doc["measures"] for k in m})
    values: dict[str, dict[str, int]] = {f: {} for f in fields}
    rows = []
    for m in doc["measures"]:
        row = []
        for f in fields:
            v = m.get(f)
            row.append(values[f].setdefault(tuple(v) if isinstance(v, list) else v, len(values[f])))
        rows.append(row)
    head = {k: v for k, v in doc.items() if k != "measures"}
    body = {"format": PACKED, "attribution": attribution, "document": head, "fields": fields,
            "values": {f: [list(v) if isinstance(v, tuple) else v for v in values[f]] for f in fields}, "rows": rows}
    return gzip.compress(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 9, mtime=0)


def unpack(data: bytes) -> dict[str, Any]:
    body = json.loads(gzip.decompress(data).decode("utf-8"))
    if body.get("format") != PACKED:
        raise ValueError(f"not a {PACKED} file")
    fields, values = body["fields"], body["values"]
    measures = [{f: values[f][i] for f, i in zip(fields, row) if values[f][i] is not None} for row in body["rows"]]
    return {**body["document"], "measures": measures}
