"""Inspection histories: the documented CSV layout the fraud model trains on, and readers for it.

Clearway's own layout (what `clearway risk export-history` writes, one row per goods item of an
inspected declaration) has the columns in CANONICAL. An administration's history in another layout
is read through an adapter that renames its columns; the Korea Customs Service synthetic
declarations (arXiv:2208.02484) are one such layout (KCS_COLUMNS). Missing optional columns are
filled with nulls; a missing required column or an unreadable value is refused naming the file,
the column and the reason."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from clearway.errors import FieldError, Invalid

# name -> (polars dtype, required)
CANONICAL: dict[str, tuple[pl.DataType, bool]] = {
    "declaration_id": (pl.Utf8, True),
    "date": (pl.Date, True),           # date of lodgement, YYYY-MM-DD
    "office": (pl.Utf8, False),
    "procedure": (pl.Utf8, False),     # process / procedure type
    "import_type": (pl.Utf8, False),
    "import_use": (pl.Utf8, False),
    "payment_type": (pl.Utf8, False),
    "transport_mode": (pl.Utf8, False),
    "declarant": (pl.Utf8, False),
    "importer": (pl.Utf8, False),
    "seller": (pl.Utf8, False),        # exporter / overseas vendor
    "courier": (pl.Utf8, False),
    "hs_code": (pl.Utf8, True),        # at least 6 digits, read as text (leading zeros)
    "departure_country": (pl.Utf8, False),
    "origin_country": (pl.Utf8, False),
    "tax_rate": (pl.Float64, False),   # percent
    "tax_type": (pl.Utf8, False),
    "origin_indicator": (pl.Utf8, False),
    "net_mass_kg": (pl.Float64, False),
    "value": (pl.Float64, False),      # declared customs value, in the administration's currency
    "fraud": (pl.Int8, False),         # 0/1: the inspection found an infringement (absent when scoring)
    "severity": (pl.Int8, False),      # 0 none, 1 minor, 2 critical
    "revenue": (pl.Float64, False),    # extra revenue the inspection raised (0 when none)
}
LABEL_COLUMNS = ("fraud", "severity", "revenue")

KCS_COLUMNS = {
    "Declaration ID": "declaration_id", "Date": "date", "Office ID": "office", "Process Type": "procedure",
    "Import Type": "import_type", "Import Use": "import_use", "Payment Type": "payment_type",
    "Mode of Transport": "transport_mode", "Declarant ID": "declarant", "Importer ID": "importer",
    "Seller ID": "seller", "Courier ID": "courier", "HS6 Code": "hs_code", "Country of Departure": "departure_country",
    "Country of Origin": "origin_country", "Tax Rate": "tax_rate", "Tax Type": "tax_type",
    "Country of Origin Indicator": "origin_indicator", "Net Mass": "net_mass_kg", "Item Price": "value",
    "Fraud": "fraud", "Critical Fraud": "severity",
}
LAYOUTS = {"clearway": {}, "kcs": KCS_COLUMNS}


def detect_layout(header: list[str]) -> str:
    if "HS6 Code" in header and "Declaration ID" in header:
        return "kcs"
    return "clearway"


def read_history(paths: list[str | Path], *, require_labels: bool = True) -> pl.DataFrame:
    """One frame in the canonical layout, sorted by date, from one or more CSV files."""
    if not paths:
        raise Invalid("no history file given", errors=[FieldError("history", "give at least one file")])
    frames = [_read_one(Path(p), require_labels=require_labels) for p in paths]
    df = pl.concat(frames, how="vertical")
    if require_labels and df.height == 0:
        raise Invalid("the history has no rows", errors=[FieldError("history", "is empty")])
    return df.sort("date", maintain_order=True)


def _read_one(path: Path, *, require_labels: bool) -> pl.DataFrame:
    if not path.is_file():
        raise Invalid(f"{path}: no such file", errors=[FieldError("history", f"{path}: no such file")])
    try:
        raw = pl.read_csv(path, infer_schema=False)  # every column as text; typed below with clear errors
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
        raise Invalid(f"{path}: not a readable CSV file",
                      errors=[FieldError("history", f"{path}: not a readable CSV file ({exc})")]) from None
    layout = detect_layout(raw.columns)
    raw = raw.rename({k: v for k, v in LAYOUTS[layout].items() if k in raw.columns})
    return to_canonical(raw, source=str(path), require_labels=require_labels)


def to_canonical(raw: pl.DataFrame, *, source: str = "history", require_labels: bool = True) -> pl.DataFrame:
    """Type and complete a frame whose columns already carry the canonical names (text or typed)."""
    need = [c for c, (_, req) in CANONICAL.items() if req] + (["fraud"] if require_labels else [])
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise Invalid(f"{source}: missing columns", errors=[
            FieldError(c, f"{source}: the column is required (layout: see docs/risk.md)") for c in missing])
    cols = []
    for name, (dtype, _) in CANONICAL.items():
        if name not in raw.columns:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
            continue
        col = pl.col(name)
        if raw.schema[name] == pl.Utf8:
            col = col.str.strip_chars()
            col = pl.when(col == "").then(None).otherwise(col)
        if dtype == pl.Date:
            col = col.cast(pl.Utf8).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        elif dtype == pl.Utf8:
            col = col.cast(pl.Utf8)
            if name in ("office", "procedure", "import_type", "import_use", "payment_type", "transport_mode"):
                col = col.str.replace(r"\.0$", "")
        else:
            col = col.cast(pl.Utf8).cast(dtype, strict=False) if raw.schema[name] == pl.Utf8 else col.cast(dtype)
        cols.append(col.alias(name))
    df = raw.select(cols)
    errors = []
    for name, (dtype, _) in CANONICAL.items():
        if name in raw.columns and dtype != pl.Utf8:
            bad = df[name].is_null() & raw[name].cast(pl.Utf8).str.strip_chars().fill_null("").ne("")
            if bad.any():
                row = int(bad.arg_max()) + 2  # header is line 1
                errors.append(FieldError(name, f"{source} line {row}: {raw[name][row - 2]!r} is not a valid "
                                               f"{'date (YYYY-MM-DD)' if dtype == pl.Date else 'number'}"))
    for name in need:
        if name in raw.columns and df[name].is_null().any():
            row = int(df[name].is_null().arg_max()) + 2
            errors.append(FieldError(name, f"{source} line {row}: the value is required"))
    if "fraud" in raw.columns and df["fraud"].drop_nulls().is_in([0, 1]).not_().any():
        errors.append(FieldError("fraud", f"{source}: fraud must be 0 or 1"))
    hs_ok = df["hs_code"].drop_nulls().str.contains(r"^[0-9]{6,10}$")
    if not hs_ok.all():
        bad = df["hs_code"].drop_nulls().filter(~hs_ok)[0]
        errors.append(FieldError("hs_code", f"{source}: {bad!r} is not an HS code of 6 to 10 digits"))
    if errors:
        raise Invalid(f"{source}: the history was refused", errors=errors)
    return df.with_columns(pl.col("hs_code").str.slice(0, 6),
                           pl.col("severity").fill_null(pl.col("fraud")) if "fraud" in raw.columns
                           else pl.col("severity"))
