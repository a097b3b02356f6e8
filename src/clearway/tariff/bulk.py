"""Low-value e-commerce parcels in bulk: a manifest (JSON Lines or CSV, one simplified declaration per
parcel) assessed on columns with Polars and NumPy, calling the same step functions and rules as the
single-declaration path (clearway.tariff.core), so both give identical amounts. Each parcel's tariff line is found
by a join on the schedule's line table (clearway.tariff.line_table), never by a lookup per row or per line.

Each parcel is its own consignment of one goods item, valued as declared (no Incoterm: the price paid,
freight not separately declared). A malformed parcel is refused alone with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from clearway.errors import Invalid
from clearway.reference import currencies
from clearway.tariff import expressions, kernel, law, line_table, parcels, payable, vendor as vendor_law
from clearway.tariff.parcels import COLUMNS, read_manifest  # noqa: F401  (the bulk path's public names)
from clearway.tariff.rules import EconomyRules
from clearway.tariff.schedule import Schedule
from clearway.tariff.steps import (ad_valorem_duty, duty, excise, excise_base, fee, fee_in_range, from_minor,
                                   mfn_measure, tax, tax_base, threshold_minor, total, value_at_basis, waive)

MAX_LOCAL_MINOR = 10 ** 11  # keeps every intermediate product inside int64 (see kernel)


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
    payable after the tax where the economy measures that). Each parcel's tariff line is found by a join against
    the schedule's resolved line table (clearway.tariff.line_table), and its rates arrive as columns."""
    local = rules.currency
    df, ok, value = _value(df, rules, rates, on)
    n = ok.height
    cv = _convert(ok, value, local)
    dm_duty, dm_tax, vendor_ok, refused = _de_minimis(ok, cv, rules, rates, on)
    lt = line_table.table(schedule, rules, on)
    pid = lt.resolve(ok["hs_code"]) if n else np.zeros(0, dtype=np.int64)
    excluded = lt.excluded[pid]
    vendor = ok["vendor_registration"].is_not_null().to_numpy() & vendor_ok
    duty = _duty(ok, lt, pid, cv, dm_duty & ~excluded, refused, rules, on, schedule)
    excise = _excise(ok, lt, pid, cv, duty, rules)
    tax = np.zeros(n, dtype=np.int64)
    if rules.tax_name is not None:
        # the line's own VAT rate, else the rate in force plus the regional part (CA HST, clearway.tariff.law)
        rate = np.where(lt.vat[pid] >= 0, lt.vat[pid], lt.tax[pid] + parcels.regional_rates(ok, rules, on))
        tax = _tax(rate, cv, duty, excise, dm_tax, vendor, excluded, rules)
    duty = total(duty, rules.rounding_duty)
    st = rules.law.surtax  # one goods item per parcel: its surtax total is the parcel's (clearway.tariff.law)
    tax = total(tax, rules.rounding_tax) + (law.surtax_total(law.surtax(tax, st), st) if st else 0)
    excise = law.excise_total(excise, rules.law)
    duty, tax = _de_minimis_payable(duty, tax, excluded, rules, rates, rules.regime(on))
    # mode "courier" in a manifest is a courier shipment by air, as a declaration's transport {air, courier} is
    carried_by = ok["_mode"].replace("courier", "air").to_numpy() if rules.levies else None
    by_courier = (ok["courier"].str.to_lowercase().is_in(["true", "1", "yes"]).fill_null(False)
                  | (ok["_mode"] == "courier")).to_numpy()
    weight = ok["_wt"].fill_null(-1).to_numpy()
    duty, tax, no_weight = payable.after_tax_columns(duty, tax, cv, weight, excluded,
                                                     ok["_dm_origin"].to_numpy() if rules.courier else None,
                                                     by_courier, rules, rates, on)
    if no_weight.any():
        refused[no_weight & np.equal(refused, None)] = (f"weight_kg: {rules.economy} taxes goods for personal "
                                                        "use over a weight norm: declare it")
    fees = (_fees(schedule, lt.fees[pid], cv, dm_duty & (dm_tax | (rules.tax_name is None)), rules, on)
            + (payable.levies_columns(cv, carried_by, rules, on) if rules.levies else 0))
    assessed = ok.select("_i").with_columns(fees=pl.Series(fees, dtype=pl.Int64),
        customs_value=pl.Series(cv, dtype=pl.Int64), duty=pl.Series(duty, dtype=pl.Int64),
        excise=pl.Series(excise, dtype=pl.Int64), tax=pl.Series(tax, dtype=pl.Int64),
        _pid=pl.Series(pid, dtype=pl.Int64), decision=_decisions(lt.has_mfn[pid], excluded, dm_duty, dm_tax, vendor),
        _late=pl.Series(refused.tolist(), dtype=pl.String) if np.not_equal(refused, None).any()
        else pl.lit(None, pl.String))
    assessed = assessed.join(lt.lines, on="_pid", how="left", maintain_order="left").drop("_pid")
    return _totals(df, assessed, local, rules.economy, on)


def _decisions(has_line: np.ndarray, excluded: np.ndarray, dm_duty: np.ndarray, dm_tax: np.ndarray,
               vendor: np.ndarray) -> pl.Series:
    """What decided each parcel's amounts (null when nothing did)."""
    c = {k: pl.Series(v, dtype=pl.Boolean) for k, v in
         (("line", has_line), ("ex", excluded), ("dm", dm_duty & dm_tax), ("tax", dm_tax), ("vendor", vendor))}
    return pl.select(pl.when(~pl.lit(c["line"])).then(pl.lit(None, pl.String))
                     .when(pl.lit(c["ex"])).then(pl.lit("excluded from de minimis"))
                     .when(pl.lit(c["dm"])).then(pl.lit("de minimis"))
                     .when(pl.lit(c["tax"])).then(pl.lit("de minimis (tax)"))
                     .when(pl.lit(c["vendor"])).then(pl.lit("tax collected by registered vendor"))
                     .alias("decision")).to_series()


def _duty(ok: pl.DataFrame, lt: line_table.LineTable, pid: np.ndarray, cv: np.ndarray, waived: np.ndarray,
          refused: np.ndarray, rules: EconomyRules, on: date, schedule: Schedule) -> np.ndarray:
    """The MFN duty (no preference is claimed on this path), waived under de minimis unless the goods are excluded:
    a plain percentage on the rate column for all parcels at once, other rates (specific, compound) once per
    distinct rate; parcels whose line has no MFN rate, or lacks the quantity its rates are per, refused with the
    reason the single path gives."""
    d = ad_valorem_duty(cv, np.maximum(lt.ad_valorem[pid], 0), rules.rounding_duty)
    no_mfn = ~lt.has_mfn[pid]
    rows = np.flatnonzero(no_mfn)
    codes = ok["hs_code"].gather(rows).to_numpy()
    for c in np.unique(codes).tolist():
        try:
            mfn_measure(schedule, c, on, "hs_code")
        except Invalid as exc:
            refused[rows[codes == c]] = f"hs_code: {exc.errors[0].reason}"
    qty, unit, weight = _quantities(ok, lt, pid)
    for cid, idx in line_table.groups(lt.calc[pid], np.flatnonzero(~lt.simple[pid] & ~no_mfn)):
        expr, excises = lt.calcs[cid]
        q, bad = parcels.quantities([expr, *(e for e, _ in excises)], qty[idx], unit[idx], weight[idx])
        if bad is not None:
            refused[idx[bad[0]]] = [f"quantity: the duty on {c} in {rules.economy} is per {bad[1]}: declare it"
                                    for c in ok["hs_code"].gather(idx[bad[0]]).to_list()]
        d[idx] = duty(expr, cv[idx], q, rules.rounding_duty)
    return waive(d, waived)


def _excise(ok: pl.DataFrame, lt: line_table.LineTable, pid: np.ndarray, cv: np.ndarray, d: np.ndarray,
            rules: EconomyRules) -> np.ndarray:
    """The excise duties, once per distinct set of excise rates, each on the base its measure names."""
    ex = np.zeros(len(cv), dtype=np.int64)
    qty, unit, weight = _quantities(ok, lt, pid)
    for cid, idx in line_table.groups(lt.calc[pid], np.flatnonzero(lt.has_excise[pid] & lt.has_mfn[pid])):
        expr, excises = lt.calcs[cid]
        q, _ = parcels.quantities([expr, *(e for e, _ in excises)], qty[idx], unit[idx], weight[idx])
        for e, base_kind in excises:
            base = excise_base(base_kind, cv[idx], d[idx], np.zeros(len(idx), dtype=np.int64))
            ex[idx] += excise(e, base, q, rules.rounding_duty)
    return ex


def _quantities(ok: pl.DataFrame, lt: line_table.LineTable, pid: np.ndarray):
    """Each parcel's quantity and weight in thousandths (-1 when not given) and its declared unit as the rates name
    it; only where some parcel's rates need them."""
    if lt.simple[pid].all():
        return None, None, None
    unit = ok["unit"].str.strip_chars().str.to_lowercase().replace_strict(
        expressions.UNIT_ALIASES, default=None, return_dtype=pl.String).to_numpy()
    return ok["_qty"].fill_null(-1).to_numpy(), unit, ok["_wt"].fill_null(-1).to_numpy()


def _tax(rate_m: np.ndarray, cv: np.ndarray, d: np.ndarray, ex: np.ndarray, waived: np.ndarray, vendor: np.ndarray,
         excluded: np.ndarray, rules: EconomyRules) -> np.ndarray:
    """The consumption tax at each parcel's rate, waived under de minimis, and where a registered vendor collected
    it charged only on what its collection did not cover, unless the goods are excluded."""
    t = tax(tax_base(rules, cv, d, ex, np.zeros(len(cv), dtype=np.int64)), rate_m, rules.rounding_tax)
    relieved = t
    if rules.vendor is not None:
        relieved = np.where(vendor, tax(vendor_law.base_still_due(rules, d, ex), rate_m, rules.rounding_tax), t)
    return np.where(excluded, t, waive(relieved, waived))


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


def _de_minimis_payable(duty: np.ndarray, tax: np.ndarray, excluded: np.ndarray, rules: EconomyRules,
                        rates: dict[str, Decimal], regime0) -> tuple[np.ndarray, np.ndarray]:
    """Where the economy measures the duty and tax payable against its threshold, waive both (except on
    excluded goods) when it is at or below it."""
    if rules.de_minimis_basis != "tax_amount" or regime0 is None:
        return duty, tax
    thr = threshold_minor(regime0.duty_threshold, regime0.currency, rules.currency, rates)
    waived = kernel.within(duty + tax, thr, rules.inclusive) & ~excluded
    return waive(duty, waived), waive(tax, waived)


def _fees(schedule: Schedule, lines: np.ndarray, cv: np.ndarray, waived: np.ndarray, rules: EconomyRules,
          on: date) -> np.ndarray:
    """The charges per entry (each parcel is one), not charged under both de minimis thresholds; `lines` says for
    each parcel which of the fees in force apply to its tariff line (clearway.tariff.line_table)."""
    fees = np.zeros(len(cv), dtype=np.int64)
    for k, m in enumerate(schedule.fees(on)):
        applies = lines[:, k] & fee_in_range(m, cv, rules.currency)
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
