"""Low-value e-commerce parcels in bulk: a manifest (JSON Lines or CSV, one simplified declaration per
parcel) assessed on columns with Polars and NumPy, calling the same step functions and rules as the
single-declaration path (clearway.tariff.core), so both give identical amounts.

Each parcel is its own consignment of one goods item, valued as declared (no Incoterm: the price paid,
freight not separately declared). A malformed parcel is refused alone with its reason."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from clearway.reference import countries, currencies
from clearway.reference.hs import nomenclature
from clearway.tariff import expressions, kernel
from clearway.tariff import steps as core
from clearway.tariff.rules import EconomyRules
from clearway.tariff.schedule import Schedule

COLUMNS = ("parcel", "sender_name", "sender_country", "receiver_name", "receiver_address", "hs_code", "description",
           "origin", "value", "currency", "quantity", "unit", "weight_kg", "vendor_registration", "mode")
MAX_LOCAL_MINOR = 10 ** 11  # keeps every intermediate product inside int64 (see kernel)
MAX_QTY_MILLI = 10 ** 9
_DEC = r"^\d{1,15}(\.\d{1,6})?$"


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


@dataclass
class Result:
    parcels: pl.DataFrame  # one row per parcel: outcome, amounts in minor units and as text, reason
    currency: str
    summary: dict[str, Any]


def _minor_text(col: str, places: int) -> pl.Expr:
    if places == 0:
        return pl.col(col).cast(pl.String)
    d = 10 ** places
    return pl.concat_str([(pl.col(col) // d).cast(pl.String), pl.lit("."),
                          (pl.col(col) % d).cast(pl.String).str.zfill(places)])


def _classify(df: pl.DataFrame) -> pl.DataFrame:
    """Fill a missing HS code from the description (best word match), marking it."""
    need = df.filter(pl.col("hs_code").is_null() & pl.col("description").is_not_null())["description"].unique()
    hs = nomenclature()
    found = {d: (hs.search(d, 1)[0][0].code if hs.search(d, 1) else None) for d in need.to_list()}
    mapping = pl.DataFrame({"description": list(found), "_guess": list(found.values())},
                           schema={"description": pl.String, "_guess": pl.String})
    return (df.join(mapping, on="description", how="left")
            .with_columns(classified=pl.col("hs_code").is_null() & pl.col("_guess").is_not_null(),
                          hs_code=pl.coalesce(pl.col("hs_code").str.strip_chars().str.replace_all(r"\.", ""),
                                              pl.col("_guess")))
            .drop("_guess"))


def assess(df: pl.DataFrame, *, rules: EconomyRules, schedule: Schedule, rates: dict[str, Decimal],
           on: date) -> Result:
    local = rules.currency
    lmu = currencies.minor_units(local)
    df = _classify(df.with_row_index("_i"))
    # currencies: their minor units and the customs rate in force
    cur_rows = []
    for c in df["currency"].drop_nulls().str.to_uppercase().unique().to_list():
        if not currencies.is_currency(c):
            continue
        if c == local:
            num, den = 1, 1
        elif c in rates:
            num, den = core.fraction(rates[c])
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
    int_part = pl.col("_v").str.split(".").list.get(0, null_on_oob=True)
    frac = pl.col("_v").str.split(".").list.get(1, null_on_oob=True).fill_null("")
    df = df.with_columns(
        _micro=pl.when(pl.col("_v").str.contains(_DEC)).then(
            int_part.cast(pl.Int64, strict=False) * kernel.MICRO + frac.str.pad_end(6, "0").cast(pl.Int64, strict=False)),
        _fraclen=frac.str.len_chars())
    df = df.with_columns(_value=pl.col("_micro") // pl.col("_div"))
    for src, dst in (("_q", "_qty"), ("_w", "_wt")):
        ip = pl.col(src).str.split(".").list.get(0, null_on_oob=True)
        fp = pl.col(src).str.split(".").list.get(1, null_on_oob=True).fill_null("")
        df = df.with_columns(pl.when(pl.col(src).str.contains(r"^\d{1,9}(\.\d{1,3})?$")).then(
            ip.cast(pl.Int64, strict=False) * kernel.MILLI + fp.str.pad_end(3, "0").cast(pl.Int64, strict=False))
            .alias(dst))
    origin = pl.coalesce(pl.col("origin"), pl.col("sender_country")).str.strip_chars().str.to_uppercase()
    known_countries = pl.Series([c for c in _country_codes()], dtype=pl.String)
    df = df.with_columns(_origin=origin, _dm_origin=pl.coalesce(pl.col("sender_country").str.strip_chars()
                                                                .str.to_uppercase(), origin),
                         _mode=pl.col("mode").fill_null("air"))
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
                  pl.lit("weight_kg: a number with at most 3 decimals")))
    df = df.with_columns(reason=reason)

    ok = df.filter(pl.col("reason").is_null())
    n = ok.height
    value = ok["_value"].to_numpy()
    cv = kernel.convert(value, ok["_num"].to_numpy(), ok["_den"].to_numpy(), ok["_mu"].to_numpy(), lmu) \
        if n else np.zeros(0, dtype=np.int64)
    # the step function shared with the single path (no freight or insurance declared per parcel)
    cv = core.value_at_basis(cv, 0, 0, "FOB", rules.valuation)
    duty = np.zeros(n, dtype=np.int64)
    excise = np.zeros(n, dtype=np.int64)
    tax = np.zeros(n, dtype=np.int64)
    refused = np.full(n, None, dtype=object)
    decision = np.full(n, None, dtype=object)
    line = np.full(n, None, dtype=object)
    qty = ok["_qty"].fill_null(-1).to_numpy()
    unit = ok["unit"].fill_null("").str.strip_chars().str.to_lowercase().to_numpy()
    weight = ok["_wt"].fill_null(-1).to_numpy()
    codes = ok["hs_code"].to_numpy()

    # de minimis: per (origin, mode) regime, thresholds converted once
    dm_duty = np.zeros(n, dtype=bool)
    dm_tax = np.zeros(n, dtype=bool)
    vendor_ok = np.zeros(n, dtype=bool)
    keys = ok.select("_dm_origin", "_mode").with_row_index("_r")
    for (o, m), grp in keys.group_by(["_dm_origin", "_mode"]):
        idx = grp["_r"].to_numpy()
        regime = rules.regime(on, o, m)
        if regime is None:
            continue
        try:
            dthr = core.threshold_minor(regime.duty_threshold, regime.currency, local, rates)
            tthr = core.threshold_minor(regime.tax_threshold, regime.currency, local, rates)
        except KeyError:
            refused[idx] = f"currency: no customs rate {regime.currency}->{local} for the de minimis threshold"
            continue
        if rules.de_minimis_basis != "tax_amount":
            dm_duty[idx] = kernel.within(cv[idx], dthr, rules.inclusive)
            dm_tax[idx] = kernel.within(cv[idx], tthr, rules.inclusive)
        if rules.vendor and on >= rules.vendor.valid_from:
            ceiling = core.threshold_minor(rules.vendor.item_ceiling, regime.currency, local, rates)
            vendor_ok[idx] = cv[idx] <= ceiling
    has_vendor = ok["vendor_registration"].is_not_null().to_numpy()
    regime0 = rules.regime(on)
    std_rate = core.millionths(regime0.tax_rate_percent) if regime0 else 0

    for code, grp in ok.select("hs_code").with_row_index("_r").group_by("hs_code"):
        code = code[0]
        idx = grp["_r"].to_numpy()
        try:
            mfn = core.mfn_measure(schedule, code, on, "hs_code")
        except core.Invalid as exc:
            refused[idx] = f"hs_code: {exc.errors[0].reason}"
            continue
        measures = [mfn.expression] + [m.expression for m in schedule.find("excise", code, on)]
        q, bad = _quantities(measures, qty[idx], unit[idx], weight[idx])
        if bad is not None:
            refused[idx[bad[0]]] = f"quantity: the duty on {code} in {rules.economy} is per {bad[1]}: declare it"
        excluded = rules.excluded(code)
        d = core.duty(mfn.expression, cv[idx], q, rules.rounding_duty)
        if not excluded:
            d = core.waive(d, dm_duty[idx])
        ex = np.zeros(len(idx), dtype=np.int64)
        for m in schedule.find("excise", code, on):
            base = core.excise_base(m.base or "customs_value", cv[idx], d, np.zeros(len(idx), dtype=np.int64))
            ex = ex + core.excise(m.expression, base, q, rules.rounding_duty)
        if rules.tax_name is not None:
            override = schedule.find("vat", code, on)
            rate_m = core.millionths(override[0].expression.percent) if override and isinstance(
                override[0].expression, expressions.AdValorem) else (0 if override else std_rate)
            tb = core.tax_base(rules, cv[idx], d, ex, np.zeros(len(idx), dtype=np.int64))
            t = core.tax(tb, rate_m, rules.rounding_tax)
            if not excluded:
                t = core.waive(t, dm_tax[idx] | (has_vendor[idx] & vendor_ok[idx]))
            tax[idx] = t
        duty[idx], excise[idx] = d, ex
        line[idx] = mfn.code
        decision[idx] = np.where(excluded, "excluded from de minimis",
                                 np.where(dm_duty[idx] & dm_tax[idx], "de minimis",
                                          np.where(dm_tax[idx], "de minimis (tax)",
                                                   np.where(has_vendor[idx] & vendor_ok[idx],
                                                            "tax collected by registered vendor", None))))
    duty = core.total(duty, rules.rounding_duty)
    tax = core.total(tax, rules.rounding_tax)
    if rules.de_minimis_basis == "tax_amount" and regime0 is not None:
        thr = core.threshold_minor(regime0.duty_threshold, regime0.currency, local, rates)
        waived = kernel.within(duty + tax, thr, rules.inclusive) & ~np.array([rules.excluded(c) for c in codes],
                                                                             dtype=bool)
        duty, tax = core.waive(duty, waived), core.waive(tax, waived)

    fees = np.zeros(n, dtype=np.int64)
    for m in schedule.fees(on):
        applies = np.array([core.fee_applies(m, c) for c in codes], dtype=bool) if n else np.zeros(0, dtype=bool)
        applies = applies & core.fee_in_range(m, cv, local)
        amount = core.fee(m.expression, cv, rules.rounding_duty)
        fees = fees + core.waive(np.where(applies, amount, 0), dm_duty & dm_tax)
    assessed = ok.select("_i").with_columns(fees=pl.Series(fees, dtype=pl.Int64),
        customs_value=pl.Series(cv, dtype=pl.Int64), duty=pl.Series(duty, dtype=pl.Int64),
        excise=pl.Series(excise, dtype=pl.Int64), tax=pl.Series(tax, dtype=pl.Int64),
        tariff_line=pl.Series(line.tolist(), dtype=pl.String), decision=pl.Series(decision.tolist(), dtype=pl.String),
        _late=pl.Series(refused.tolist(), dtype=pl.String))
    out = (df.select("_i", "line", "parcel", "hs_code", "classified", "reason").join(assessed, on="_i", how="left")
           .with_columns(reason=pl.coalesce("reason", "_late"))
           .with_columns(outcome=pl.when(pl.col("reason").is_null()).then(pl.lit("assessed")).otherwise(pl.lit("refused")))
           .with_columns([pl.when(pl.col("outcome") == "assessed").then(pl.col(c)).alias(c)
                          for c in ("customs_value", "duty", "excise", "tax", "fees")])
           .with_columns(total=pl.col("duty") + pl.col("excise") + pl.col("tax") + pl.col("fees"))
           .drop("_late", "_i"))
    return Result(out, local, summarise(out, local, rules.economy, on))


def summarise(out: pl.DataFrame, local: str, economy: str, on: date) -> dict[str, Any]:
    ok_rows = out.filter(pl.col("outcome") == "assessed")
    sums = {c: int(ok_rows[c].sum() or 0) for c in ("duty", "excise", "tax", "fees", "total")}
    return {"economy": economy, "date": on.isoformat(), "currency": local, "parcels": out.height,
            "assessed": ok_rows.height, "refused": out.height - ok_rows.height,
            **{c: format(core.from_minor(v, local), "f") for c, v in sums.items()},
            "refusals": [{"line": r["line"], "parcel": r["parcel"], "reason": r["reason"]}
                         for r in out.filter(pl.col("outcome") == "refused").head(1000).iter_rows(named=True)]}


def merge(parts: list[Result], local: str, economy: str, on: date) -> Result:
    out = pl.concat([p.parcels for p in parts]) if parts else pl.DataFrame()
    return Result(out, local, summarise(out, local, economy, on))


def _quantities(nodes: list[expressions.Node], qty: np.ndarray, unit: np.ndarray, weight: np.ndarray):
    """Quantity columns each expression needs; (quantities, (bad_mask, unit)) when some are missing."""
    out: dict[str, np.ndarray] = {}
    for needed in frozenset().union(*(n.units() for n in nodes)):
        declared = np.array([expressions.unit_of(u) == needed for u in unit], dtype=bool) if len(unit) else \
            np.zeros(0, dtype=bool)
        q = np.where(declared & (qty >= 0), qty, -1)
        if needed == "kg":
            q = np.where(q < 0, weight, q)
        bad = (q < 0) | (q > MAX_QTY_MILLI)
        if bad.any():
            return {needed: np.where(bad, 0, q)}, (bad, needed)
        out[needed] = q
    return out, None


def result_rows(result: Result) -> pl.DataFrame:
    """The per-parcel result file: amounts as exact decimal text in the local currency."""
    places = currencies.minor_units(result.currency)
    return result.parcels.with_columns(
        [_minor_text(c, places).alias(c) for c in ("customs_value", "duty", "excise", "tax", "fees", "total")]
    ).with_columns(currency=pl.lit(result.currency))


def _country_codes() -> list[str]:
    import pycountry

    return [c.alpha_2 for c in pycountry.countries if countries.is_country(c.alpha_2)]
