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

from clearway.errors import Invalid
from clearway.reference import currencies
from clearway.tariff import expressions, kernel, law, parcels, payable, tax_rates, vendor as vendor_law
from clearway.tariff.rules import EconomyRules
from clearway.tariff.schedule import Measure, Schedule
from clearway.tariff.steps import (duty, excise, excise_base, fee, fee_applies, fee_in_range, from_minor, millionths,
                                   mfn_measure, tax, tax_base, threshold_minor, total, value_at_basis, waive)

COLUMNS = ("parcel", "sender_name", "sender_country", "receiver_name", "receiver_address", "hs_code", "description",
           "origin", "value", "currency", "quantity", "unit", "weight_kg", "vendor_registration", "mode",
           *parcels.LAW_COLUMNS)
MAX_LOCAL_MINOR = 10 ** 11  # keeps every intermediate product inside int64 (see kernel)


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


def assess(df: pl.DataFrame, *, rules: EconomyRules, schedule: Schedule, rates: dict[str, Decimal],
           on: date) -> Result:
    """The same steps as the single path (clearway.tariff.core), each on columns: value -> convert -> duty ->
    excise -> tax -> de minimis -> totals (de minimis decided on the value before the duty, and on the amount
    payable after the tax where the economy measures that)."""
    local = rules.currency
    df, ok, value = _value(df, rules, rates, on)
    n = ok.height
    cv = _convert(ok, value, local)
    dm_duty, dm_tax, vendor_ok, refused = _de_minimis(ok, cv, rules, rates, on)
    duty = np.zeros(n, dtype=np.int64)
    excise = np.zeros(n, dtype=np.int64)
    tax = np.zeros(n, dtype=np.int64)
    decision = np.full(n, None, dtype=object)
    line = np.full(n, None, dtype=object)
    qty = ok["_qty"].fill_null(-1).to_numpy()
    unit = ok["unit"].fill_null("").str.strip_chars().str.to_lowercase().to_numpy()
    weight = ok["_wt"].fill_null(-1).to_numpy()
    codes = ok["hs_code"].to_numpy()
    vendor = ok["vendor_registration"].is_not_null().to_numpy() & vendor_ok
    regime0 = rules.regime(on)
    std = regime0.tax_rate_percent if regime0 else Decimal(0)
    regional = parcels.regional_rates(ok, rules, on)  # CA: the provincial part of the HST (clearway.tariff.law)

    for code, grp in ok.select("hs_code").with_row_index("_r").group_by("hs_code"):
        code = code[0]
        idx = grp["_r"].to_numpy()
        try:
            mfn = mfn_measure(schedule, code, on, "hs_code")
        except Invalid as exc:
            refused[idx] = f"hs_code: {exc.errors[0].reason}"
            continue
        excises = schedule.find("excise", code, on)
        q, bad = parcels.quantities([mfn.expression] + [m.expression for m in excises], qty[idx], unit[idx],
                                    weight[idx])
        if bad is not None:
            refused[idx[bad[0]]] = f"quantity: the duty on {code} in {rules.economy} is per {bad[1]}: declare it"
        excluded = rules.excluded(code)
        d = _duty(mfn, cv[idx], q, dm_duty[idx], excluded, rules)
        ex = _excise(excises, cv[idx], d, q, rules)
        if rules.tax_name is not None:
            rate = tax_rates.line_rate(rules.tax_rates, std, code, on, "").millionths + regional[idx]
            tax[idx] = _tax(schedule.find("vat", code, on), rate, cv[idx], d, ex, dm_tax[idx], vendor[idx], excluded,
                            rules)
        duty[idx], excise[idx] = d, ex
        line[idx] = mfn.code
        decision[idx] = np.where(excluded, "excluded from de minimis",
                                 np.where(dm_duty[idx] & dm_tax[idx], "de minimis",
                                          np.where(dm_tax[idx], "de minimis (tax)",
                                                   np.where(vendor[idx], "tax collected by registered vendor", None))))
    duty = total(duty, rules.rounding_duty)
    st = rules.law.surtax  # one goods item per parcel: its surtax total is the parcel's (clearway.tariff.law)
    tax = total(tax, rules.rounding_tax) + (law.surtax_total(law.surtax(tax, st), st) if st else 0)
    excise = law.excise_total(excise, rules.law)
    duty, tax = _de_minimis_payable(duty, tax, codes, rules, rates, regime0)
    # mode "courier" in a manifest is a courier shipment by air, as a declaration's transport {air, courier} is
    carried_by = np.where(ok["_mode"].to_numpy() == "courier", "air", ok["_mode"].to_numpy())
    by_courier = (ok["courier"].str.to_lowercase().is_in(["true", "1", "yes"]).fill_null(False)
                  | (ok["_mode"] == "courier")).to_numpy()
    duty, tax, no_weight = payable.after_tax_columns(duty, tax, cv, weight, codes, ok["_dm_origin"].to_numpy(),
                                                     by_courier, rules, rates, on)
    if no_weight.any():
        refused[no_weight & np.equal(refused, None)] = (f"weight_kg: {rules.economy} taxes goods for personal "
                                                        "use over a weight norm: declare it")
    fees = (_fees(schedule, codes, cv, dm_duty & (dm_tax | (rules.tax_name is None)), rules, on)
            + payable.levies_columns(cv, carried_by, rules, on))
    assessed = ok.select("_i").with_columns(fees=pl.Series(fees, dtype=pl.Int64),
        customs_value=pl.Series(cv, dtype=pl.Int64), duty=pl.Series(duty, dtype=pl.Int64),
        excise=pl.Series(excise, dtype=pl.Int64), tax=pl.Series(tax, dtype=pl.Int64),
        tariff_line=pl.Series(line.tolist(), dtype=pl.String), decision=pl.Series(decision.tolist(), dtype=pl.String),
        _late=pl.Series(refused.tolist(), dtype=pl.String))
    return _totals(df, assessed, local, rules.economy, on)


def _value(df: pl.DataFrame, rules: EconomyRules, rates: dict[str, Decimal],
           on: date) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    """The manifest parsed (each refused parcel with its reason), the parcels kept, and their values on the
    economy's basis in minor units of the declared currency (no freight or insurance declared per parcel)."""
    df = parcels.parse(df, rules, rates, on)
    ok = df.filter(pl.col("reason").is_null())
    value = law.personal_use_value(ok["_value"].to_numpy(), rules.law, ok["_personal"].to_numpy())
    return df, ok, value_at_basis(value, 0, 0, "FOB", rules.valuation)


def _convert(ok: pl.DataFrame, value: np.ndarray, local: str) -> np.ndarray:
    """The values in the local currency at each parcel's customs exchange rate, to the local minor unit."""
    if not ok.height:
        return np.zeros(0, dtype=np.int64)
    return kernel.convert(value, ok["_num"].to_numpy(), ok["_den"].to_numpy(), ok["_mu"].to_numpy(),
                          currencies.minor_units(local))


def _de_minimis(ok: pl.DataFrame, cv: np.ndarray, rules: EconomyRules, rates: dict[str, Decimal], on: date):
    """Per (origin, mode) regime, thresholds converted once: duty waived, tax waived, under the registered
    vendor's ceiling; and the parcels refused for want of a rate for the threshold's currency."""
    n, local = ok.height, rules.currency
    dm_duty = np.zeros(n, dtype=bool)
    dm_tax = np.zeros(n, dtype=bool)
    vendor_ok = np.zeros(n, dtype=bool)
    refused = np.full(n, None, dtype=object)
    keys = ok.select("_dm_origin", "_mode").with_row_index("_r")
    for (o, m), grp in keys.group_by(["_dm_origin", "_mode"]):
        idx = grp["_r"].to_numpy()
        regime = rules.regime(on, o, m)
        if regime is None:
            continue
        try:
            dthr = threshold_minor(regime.duty_threshold, regime.currency, local, rates)
            tthr = threshold_minor(regime.tax_threshold, regime.currency, local, rates)
        except KeyError:
            refused[idx] = f"currency: no customs rate {regime.currency}->{local} for the de minimis threshold"
            continue
        if rules.de_minimis_basis != "tax_amount":
            dm_duty[idx] = kernel.within(cv[idx], dthr, rules.inclusive) & vendor_law.duty_waiver_holds(
                rules, on, ok["vendor_registration"].is_not_null().to_numpy()[idx])
            dm_tax[idx] = kernel.within(cv[idx], tthr, rules.inclusive)
        if rules.vendor and on >= rules.vendor.valid_from:
            ceiling = threshold_minor(rules.vendor.item_ceiling, regime.currency, local, rates)
            vendor_ok[idx] = cv[idx] <= ceiling
    return dm_duty, dm_tax, vendor_ok, refused


def _duty(mfn: Measure, cv: np.ndarray, q: dict[str, np.ndarray], waived: np.ndarray, excluded: bool,
          rules: EconomyRules) -> np.ndarray:
    """The MFN duty of one tariff line's parcels (no preference is claimed on this path), waived under de minimis
    unless the goods are excluded."""
    d = duty(mfn.expression, cv, q, rules.rounding_duty)
    return d if excluded else waive(d, waived)


def _excise(measures: list[Measure], cv: np.ndarray, d: np.ndarray, q: dict[str, np.ndarray],
            rules: EconomyRules) -> np.ndarray:
    """The excise duties of one tariff line's parcels, each on the base its measure names."""
    ex = np.zeros(len(cv), dtype=np.int64)
    for m in measures:
        base = excise_base(m.base or "customs_value", cv, d, np.zeros(len(cv), dtype=np.int64))
        ex = ex + excise(m.expression, base, q, rules.rounding_duty)
    return ex


def _tax(override: list[Measure], rate_m: int, cv: np.ndarray, d: np.ndarray, ex: np.ndarray, waived: np.ndarray,
         vendor: np.ndarray, excluded: bool, rules: EconomyRules) -> np.ndarray:
    """The consumption tax of one tariff line's parcels at the rate in force for the line (or the line's own),
    waived under de minimis, and where a registered vendor collected it charged only on what its collection did
    not cover, unless the goods are excluded."""
    rate_m = (millionths(override[0].expression.percent) if isinstance(override[0].expression, expressions.AdValorem)
              else 0) if override else rate_m
    t = tax(tax_base(rules, cv, d, ex, np.zeros(len(cv), dtype=np.int64)), rate_m, rules.rounding_tax)
    if excluded:
        return t
    if rules.vendor is not None:
        t = np.where(vendor, tax(vendor_law.base_still_due(rules, d, ex), rate_m, rules.rounding_tax), t)
    return waive(t, waived)


def _de_minimis_payable(duty: np.ndarray, tax: np.ndarray, codes: np.ndarray, rules: EconomyRules,
                        rates: dict[str, Decimal], regime0) -> tuple[np.ndarray, np.ndarray]:
    """Where the economy measures the duty and tax payable against its threshold, waive both (except on
    excluded goods) when it is at or below it."""
    if rules.de_minimis_basis != "tax_amount" or regime0 is None:
        return duty, tax
    thr = threshold_minor(regime0.duty_threshold, regime0.currency, rules.currency, rates)
    waived = kernel.within(duty + tax, thr, rules.inclusive) & ~np.array([rules.excluded(c) for c in codes],
                                                                         dtype=bool)
    return waive(duty, waived), waive(tax, waived)


def _fees(schedule: Schedule, codes: np.ndarray, cv: np.ndarray, waived: np.ndarray, rules: EconomyRules,
          on: date) -> np.ndarray:
    """The charges per entry (each parcel is one), not charged under both de minimis thresholds."""
    fees = np.zeros(len(cv), dtype=np.int64)
    for m in schedule.fees(on):
        applies = np.array([fee_applies(m, c) for c in codes], dtype=bool) if len(cv) else np.zeros(0, dtype=bool)
        applies = applies & fee_in_range(m, cv, rules.currency)
        amount = fee(m.expression, cv, rules.rounding_duty)
        fees = fees + waive(np.where(applies, amount, 0), waived)
    return fees


def _totals(df: pl.DataFrame, assessed: pl.DataFrame, local: str, economy: str, on: date) -> Result:
    """One row per parcel, refused or assessed with its total, and the summary."""
    out = (df.select("_i", "line", "parcel", "hs_code", "classified", "reason").join(assessed, on="_i", how="left")
           .with_columns(reason=pl.coalesce("reason", "_late"))
           .with_columns(outcome=pl.when(pl.col("reason").is_null()).then(pl.lit("assessed")).otherwise(pl.lit("refused")))
           .with_columns([pl.when(pl.col("outcome") == "assessed").then(pl.col(c)).alias(c)
                          for c in ("customs_value", "duty", "excise", "tax", "fees")])
           .with_columns(total=pl.col("duty") + pl.col("excise") + pl.col("tax") + pl.col("fees"))
           .drop("_late", "_i"))
    return Result(out, local, summarise(out, local, economy, on))


def summarise(out: pl.DataFrame, local: str, economy: str, on: date) -> dict[str, Any]:
    ok_rows = out.filter(pl.col("outcome") == "assessed")
    sums = {c: int(ok_rows[c].sum() or 0) for c in ("duty", "excise", "tax", "fees", "total")}
    return {"economy": economy, "date": on.isoformat(), "currency": local, "parcels": out.height,
            "assessed": ok_rows.height, "refused": out.height - ok_rows.height,
            **{c: format(from_minor(v, local), "f") for c, v in sums.items()},
            "refusals": [{"line": r["line"], "parcel": r["parcel"], "reason": r["reason"]}
                         for r in out.filter(pl.col("outcome") == "refused").head(1000).iter_rows(named=True)]}


def merge(parts: list[Result], local: str, economy: str, on: date) -> Result:
    out = pl.concat([p.parcels for p in parts]) if parts else pl.DataFrame()
    return Result(out, local, summarise(out, local, economy, on))


def result_rows(result: Result) -> pl.DataFrame:
    """The per-parcel result file: amounts as exact decimal text in the local currency."""
    places = currencies.minor_units(result.currency)
    return result.parcels.with_columns(
        [_minor_text(c, places).alias(c) for c in ("customs_value", "duty", "excise", "tax", "fees", "total")]
    ).with_columns(currency=pl.lit(result.currency))
