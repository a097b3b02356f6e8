"""A low-value manifest's columns checked and parsed for the bulk path (clearway.tariff.bulk): each parcel's
value, quantity and weight as integers, its origin and HS code (found from the description when missing),
or the reason it is refused."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl
import pycountry

from clearway.reference import countries, currencies
from clearway.reference.hs import nomenclature
from clearway.tariff import expressions, kernel, law
from clearway.tariff.rules import EconomyRules
from clearway.tariff.steps import fraction

MAX_QTY_MILLI = 10 ** 9
LAW_COLUMNS = ("personal_use", "destination_region", "courier")
COLUMNS = ("parcel", "sender_name", "sender_country", "receiver_name", "receiver_address", "hs_code", "description",
           "origin", "value", "currency", "quantity", "unit", "weight_kg", "vendor_registration", "mode",
           *LAW_COLUMNS)
_DEC = r"^(\d{1,15})(?:\.(\d{1,6}))?$"


def parse(df: pl.DataFrame, rules: EconomyRules, rates: dict[str, Decimal], on: date) -> pl.DataFrame:
    """The manifest with its parsed columns (`_value` in minor units of `_cur`, `_qty` and `_wt` in thousandths,
    `_origin`, `_dm_origin`, `_mode`, the currency's `_num`/`_den`/`_mu`) and `reason`, null when it is fine."""
    local = rules.currency
    lmu = currencies.minor_units(local)
    # the law's own inputs (clearway.tariff.law) came after the first manifests: absent means not given
    df = df.with_columns([pl.lit(None, pl.String).alias(c) for c in LAW_COLUMNS if c not in df.columns])
    df = _classify(df.with_row_index("_i"))
    # currencies: their minor units and the customs rate in force
    cur_rows = []
    for c in df["currency"].drop_nulls().str.to_uppercase().unique().to_list():
        if not currencies.is_currency(c):
            continue
        if c == local:
            num, den = 1, 1
        elif c in rates:
            num, den = fraction(rates[c])
        else:
            continue
        mu = currencies.minor_units(c)
        cap = (2 ** 61) // (num * 10 ** lmu * 2)
        cur_rows.append((c, mu, 10 ** (6 - mu), num, den, cap))
    cur = pl.DataFrame(cur_rows, schema={"_cur": pl.String, "_mu": pl.Int64, "_div": pl.Int64, "_num": pl.Int64,
                                         "_den": pl.Int64, "_cap": pl.Int64}, orient="row")
    valid_hs = pl.Series(nomenclature().subheadings, dtype=pl.String)
    df = (df.with_columns(_cur=pl.col("currency").str.strip_chars().str.to_uppercase(),
                          _v=pl.col("value").str.strip_chars(), _q=pl.col("quantity").str.strip_chars(),
                          _w=pl.col("weight_kg").str.strip_chars())
          .join(cur, on="_cur", how="left"))
    # one regular expression both checks and splits (a list per row from str.split costs ten times more)
    parts = pl.col("_v").str.extract_groups(_DEC)
    df = df.with_columns(
        _micro=parts.struct[0].cast(pl.Int64, strict=False) * kernel.MICRO
        + parts.struct[1].fill_null("").str.pad_end(6, "0").cast(pl.Int64, strict=False),
        _fraclen=parts.struct[1].str.len_chars().fill_null(0))
    df = df.with_columns(_value=pl.col("_micro") // pl.col("_div"))
    for src, dst in (("_q", "_qty"), ("_w", "_wt")):
        qp = pl.col(src).str.extract_groups(r"^(\d{1,9})(?:\.(\d{1,3}))?$")
        df = df.with_columns((qp.struct[0].cast(pl.Int64, strict=False) * kernel.MILLI
                              + qp.struct[1].fill_null("").str.pad_end(3, "0").cast(pl.Int64, strict=False)).alias(dst))
    origin = pl.coalesce(pl.col("origin"), pl.col("sender_country")).str.strip_chars().str.to_uppercase()
    known_countries = pl.Series([c for c in _country_codes()], dtype=pl.String)
    consignor = pl.coalesce(pl.col("sender_country").str.strip_chars().str.to_uppercase(), origin)
    df = df.with_columns(_origin=origin, _dm_origin=origin if rules.law.de_minimis_origin == "goods" else consignor,
                         _mode=pl.col("mode").fill_null("air"))
    personal = pl.col("personal_use").str.strip_chars().str.to_lowercase()
    yes, no = ["true", "1", "yes"], ["false", "0", "no"]
    df = df.with_columns(_personal=personal.is_in(yes).fill_null(False),
                         _personal_bad=personal.is_not_null() & ~personal.is_in(yes + no),
                         _region=pl.col("destination_region").str.strip_chars().str.to_uppercase())
    rt = rules.law.regional_tax
    reason = (pl.when(pl.col("malformed").is_not_null()).then(pl.col("malformed"))
              .when(pl.col("value").is_null()).then(pl.lit("value: missing"))
              .when(pl.col("currency").is_null()).then(pl.lit("currency: missing"))
              .when(pl.col("_mu").is_null()).then(pl.concat_str([pl.lit("currency: "), pl.col("_cur"),
                                                                 pl.lit(f" is not a currency with a customs rate in "
                                                                        f"{rules.economy} on {on}")]))
              .when(pl.col("_micro").is_null() | (pl.col("_micro") <= 0)).then(
                  pl.lit("value: not a positive decimal number"))
              .when(pl.col("_fraclen") > pl.col("_mu")).then(pl.lit("value: more decimal places than the currency allows"))
              .when(pl.col("_value") > pl.col("_cap")).then(pl.lit("value: too large for the low-value path"))
              .when(pl.col("hs_code").is_null()).then(pl.lit("hs_code: missing and no description to classify"))
              .when(~pl.col("hs_code").str.contains(r"^\d{6,10}$") | ~pl.col("hs_code").str.slice(0, 6).is_in(pl.lit(valid_hs).implode()))
              .then(pl.concat_str([pl.lit("hs_code: "), pl.col("hs_code"), pl.lit(" is not under an HS 2022 subheading")]))
              .when(pl.col("_origin").is_null() | ~pl.col("_origin").is_in(pl.lit(known_countries).implode())).then(
                  pl.lit("origin: missing or not an ISO 3166-1 alpha-2 code"))
              .when(pl.col("_q").is_not_null() & pl.col("_qty").is_null()).then(
                  pl.lit("quantity: a number with at most 3 decimals"))
              .when(pl.col("_w").is_not_null() & pl.col("_wt").is_null()).then(
                  pl.lit("weight_kg: a number with at most 3 decimals"))
              .when(pl.col("_personal_bad")).then(pl.lit("personal_use: true or false"))
              .when(pl.col("_region").is_not_null() & ~pl.col("_region").str.contains(r"^[A-Z]{2}$")).then(
                  pl.lit("destination_region: a two-letter code"))
              .when(pl.lit(rt is not None) & pl.col("_personal") & pl.col("_region").is_null()).then(
                  pl.lit(f"destination_region: {rt.field_reason if rt else ''}")))
    return df.with_columns(reason=reason)


def _flatten(doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    for who in ("sender", "receiver"):
        part = out.pop(who, None)
        if isinstance(part, dict):
            out.setdefault(f"{who}_name", part.get("name"))
            out.setdefault(f"{who}_country", part.get("country"))
            if who == "receiver":
                out.setdefault("receiver_address", part.get("address"))
        elif isinstance(part, str):
            out.setdefault(f"{who}_name", part)
    return {k: (None if out.get(k) is None else str(out[k])) for k in COLUMNS}


def read_manifest(data: bytes | str, fmt: str | None = None) -> pl.DataFrame:
    """Parse a manifest into string columns (`line` = its line number). A line that is not JSON stays,
    with its reason in `malformed`."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    stripped = text.lstrip()
    if fmt == "csv" or (fmt is None and not stripped.startswith(("{", "["))):
        df = pl.read_csv(io.StringIO(text), infer_schema=False)
        missing = {"value", "currency"} - set(df.columns)
        if missing:
            raise ValueError(f"the CSV header lacks: {', '.join(sorted(missing))}")
        df = df.select([pl.col(c) if c in df.columns else pl.lit(None, pl.String).alias(c) for c in COLUMNS])
        return df.with_columns(line=pl.int_range(2, df.height + 2), malformed=pl.lit(None, pl.String))
    rows, lines, bad = [], [], []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict):
                raise ValueError("not an object")
            rows.append(_flatten(doc))
            bad.append(None)
        except (json.JSONDecodeError, ValueError) as exc:
            rows.append(dict.fromkeys(COLUMNS))
            bad.append(f"malformed JSON: {getattr(exc, 'msg', str(exc))}")
        lines.append(n)
    df = pl.DataFrame(rows, schema={c: pl.String for c in COLUMNS}) if rows else \
        pl.DataFrame(schema={c: pl.String for c in COLUMNS})
    return df.with_columns(line=pl.Series(lines, dtype=pl.Int64), malformed=pl.Series(bad, dtype=pl.String))


def regional_rates(ok: pl.DataFrame, rules: EconomyRules, on: date) -> np.ndarray:
    """Each parcel's regional part of the tax rate in millionths: for goods for personal use bound for a region that
    has one (CA: the provincial part of the HST, clearway.tariff.law), else 0."""
    if rules.law.regional_tax is None or not ok.height:
        return np.zeros(ok.height, dtype=np.int64)
    rates = {r: law.regional_millionths(rules.law, r, on) for r in ok["_region"].drop_nulls().unique().to_list()}
    region = ok["_region"].replace_strict(rates, default=0, return_dtype=pl.Int64).fill_null(0).to_numpy()
    return np.where(ok["_personal"].to_numpy(), region, 0)


@lru_cache(maxsize=4096)
def _guess(description: str) -> str | None:
    """The HS finder's first subheading for a parcel's description. The finder is a pure function of the text
    over data fixed for the process, and a shop's parcels repeat their descriptions from manifest to manifest:
    one search took 2-6 ms of CPU, a third of a small manifest's assessment (issue 18)."""
    return next((e.code for e, _ in nomenclature().search(description, 1)), None)


def _classify(df: pl.DataFrame) -> pl.DataFrame:
    """Fill a missing HS code from the description (the HS finder's first subheading), marking it."""
    need = df.filter(pl.col("hs_code").is_null() & pl.col("description").is_not_null())["description"].unique()
    found = {d: _guess(d) for d in need.to_list()}
    mapping = pl.DataFrame({"description": list(found), "_guess": list(found.values())},
                           schema={"description": pl.String, "_guess": pl.String})
    given = pl.col("hs_code").str.strip_chars().str.replace_all(".", "", literal=True)
    if not found:  # every parcel carries its code: no join
        return df.with_columns(classified=pl.lit(False), hs_code=given)
    return (df.join(mapping, on="description", how="left")
            .with_columns(classified=pl.col("hs_code").is_null() & pl.col("_guess").is_not_null(),
                          hs_code=pl.coalesce(given, pl.col("_guess")))
            .drop("_guess"))


def quantities(nodes: list[expressions.Node], qty: np.ndarray, unit: np.ndarray, weight: np.ndarray):
    """Quantity columns each expression needs (`unit`: each parcel's declared unit as expressions.unit_of names it,
    None when unknown); (quantities, (bad_mask, unit)) when some are missing, the first missing unit named."""
    out: dict[str, np.ndarray] = {}
    first_bad = None
    for needed in sorted(frozenset().union(*(n.units() for n in nodes))):
        declared = unit == needed
        q = np.where(declared & (qty >= 0), qty, -1)
        if needed == "kg":
            q = np.where(q < 0, weight, q)
        bad = (q < 0) | (q > MAX_QTY_MILLI)
        if bad.any() and first_bad is None:
            first_bad = (bad, needed)
        out[needed] = np.where(bad, 0, q)
    return out, first_bad


def _country_codes() -> list[str]:
    return [c.alpha_2 for c in pycountry.countries if countries.is_country(c.alpha_2)]
