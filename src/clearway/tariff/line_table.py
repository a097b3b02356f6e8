"""The bulk path's view of a whole schedule: each code that the schedule, the economy's exclusions and its tax-rate
rules name, resolved once (per schedule, rules and date) to a *profile*: what the calculation needs to know of a
tariff line (its MFN measure, excise measures, VAT/GST of its own, the tax rate in force, whether de minimis is
excluded, which fees apply). A manifest's parcels find their profile by joins on the longest code prefix (Polars),
not by a lookup per row, and their rates arrive as columns. No database here.

Why the longest named prefix is exact: Schedule.find walks a code's own prefixes from the longest, and the
exclusions and tax-rate rules test prefixes too; a prefix of a parcel's code longer than its longest named prefix
names nothing, so every lookup of the parcel's code gives what the lookup of that prefix gives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import polars as pl

from clearway.tariff import expressions, tax_rates
from clearway.tariff.rules import EconomyRules
from clearway.tariff.schedule import Measure, Schedule
from clearway.tariff.steps import fee_applies, millionths

KEEP = 4  # resolved tables kept per schedule (a date, a set of rules)
KNOWN = 200_000  # codes remembered per table; past this the memory starts again (a manifest of made-up codes)


@dataclass(frozen=True)
class Profile:
    line: str | None  # the MFN measure's code (None: no MFN rate, the parcel is refused)
    mfn: Measure | None
    excises: tuple[Measure, ...]
    vat: int | None  # the line's own VAT/GST rate in millionths (it replaces the rate in force), or None
    tax: int  # the rate in force for the line (the standard one, or a tax-rate rule's), millionths
    excluded: bool  # never benefits from de minimis
    fees: tuple[bool, ...]  # for each fee in force (Schedule.fees), does it apply to the line?

    @property
    def ad_valorem(self) -> int | None:
        """The MFN rate in millionths when it is a plain percentage (or free), else None."""
        e = self.mfn.expression if self.mfn else None
        if isinstance(e, expressions.Free):
            return 0
        return e.millionths if isinstance(e, expressions.AdValorem) else None


@dataclass
class LineTable:
    keys: pl.DataFrame  # key (String), _pid (Int64)
    profiles: list[Profile]  # profiles[0]: a code that no named prefix covers
    ad_valorem: np.ndarray  # per profile: the MFN rate in millionths, -1 when not a plain percentage or no MFN
    has_mfn: np.ndarray  # per profile: the line has an MFN rate
    has_excise: np.ndarray  # per profile: the line has excise measures
    simple: np.ndarray  # per profile: plain percentage and no excise (the whole calculation is on columns)
    calc: np.ndarray  # per profile: its number in `calcs`
    calcs: list[tuple[expressions.Node | None, tuple[tuple[expressions.Node, str], ...]]]  # MFN rate, excises
    vat: np.ndarray  # per profile: the line's own VAT rate, -1 where none
    tax: np.ndarray
    excluded: np.ndarray
    fees: np.ndarray  # (profiles, fees in force) bool
    lines: pl.DataFrame  # _pid, tariff_line

    known: pl.DataFrame | None = None  # hs_code -> _pid of the codes resolved so far (grows with the manifests)

    def resolve(self, codes: pl.Series) -> np.ndarray:
        """Each code's profile number by a join on the codes already resolved; a code not seen before is resolved
        by joins on its prefixes, the longest named one winning, and kept."""
        rows = pl.DataFrame({"hs_code": codes})
        known = self.known  # one read: another thread may replace it meanwhile
        if known is not None and known.height > KNOWN:
            known = None
        if known is not None:
            rows = rows.join(known, on="hs_code", how="left", maintain_order="left")
            new = rows.filter(pl.col("_pid").is_null())["hs_code"].unique()
        else:
            new = codes.unique()
        if len(new):
            fresh = pl.DataFrame({"hs_code": new})
            found = [fresh.with_columns(key=pl.col("hs_code").str.slice(0, n)).join(
                self.keys, on="key", how="left", maintain_order="left")["_pid"].rename(f"p{n}") for n in range(10, 1, -1)]
            fresh = fresh.with_columns(_pid=pl.coalesce(*found).fill_null(0))
            known = self.known = fresh if known is None else pl.concat([known, fresh])
            rows = pl.DataFrame({"hs_code": codes}).join(known, on="hs_code", how="left", maintain_order="left")
        return rows["_pid"].to_numpy()


def _profile(schedule: Schedule, rules: EconomyRules, code: str, on: date, std: Decimal,
             fees: list[Measure]) -> Profile:
    mfn = schedule.find("mfn", code, on)
    vat = schedule.find("vat", code, on)
    vat_m = None
    if vat:
        vat_m = millionths(vat[0].expression.percent) if isinstance(vat[0].expression, expressions.AdValorem) else 0
    return Profile(mfn[0].code if mfn else None, mfn[0] if mfn else None, tuple(schedule.find("excise", code, on)),
                   vat_m, tax_rates.line_rate(rules.tax_rates, std, code, on, "").millionths if rules.tax_name else 0,
                   rules.excluded(code), tuple(fee_applies(m, code) for m in fees))


def table(schedule: Schedule, rules: EconomyRules, on: date) -> LineTable:
    """The resolved table for this schedule, rules and date, built once and kept with the schedule."""
    cache = schedule.__dict__.setdefault("_line_tables", {})
    key = (on, id(rules))
    hit = cache.get(key)
    if hit is not None and hit[0] is rules:
        return hit[1]
    built = _build(schedule, rules, on)
    if len(cache) >= KEEP:
        cache.pop(next(iter(cache)))
    cache[key] = (rules, built)
    return built


def _build(schedule: Schedule, rules: EconomyRules, on: date) -> LineTable:
    fees = schedule.fees(on)
    regime = rules.regime(on)
    std = regime.tax_rate_percent if regime else Decimal(0)
    named = {m.code for m in schedule.measures if m.type != "fee"} | {m.code for m in fees if m.code != "*"}
    named |= set(rules.exclusions) | {p for r in rules.tax_rates for p in r.exclusions}
    index: dict[Profile, int] = {}
    keys, pids = [], []
    for code in [""] + sorted(named - {""}):
        p = _profile(schedule, rules, code, on, std, fees)
        keys.append(code)
        pids.append(index.setdefault(p, len(index)))
    profiles = list(index)
    calcs: dict[tuple, int] = {}
    calc = [calcs.setdefault((p.mfn.expression if p.mfn else None,
                              tuple((m.expression, m.base or "customs_value") for m in p.excises)), len(calcs))
            for p in profiles]
    av = np.array([-1 if p.ad_valorem is None else p.ad_valorem for p in profiles], dtype=np.int64)
    return LineTable(
        keys=pl.DataFrame({"key": keys[1:], "_pid": pids[1:]}, schema={"key": pl.String, "_pid": pl.Int64}),
        profiles=profiles, ad_valorem=av,
        has_mfn=np.array([p.mfn is not None for p in profiles], dtype=bool),
        has_excise=np.array([bool(p.excises) for p in profiles], dtype=bool),
        simple=(av >= 0) & np.array([not p.excises for p in profiles], dtype=bool),
        calc=np.array(calc, dtype=np.int64), calcs=list(calcs),
        vat=np.array([-1 if p.vat is None else p.vat for p in profiles], dtype=np.int64),
        tax=np.array([p.tax for p in profiles], dtype=np.int64),
        excluded=np.array([p.excluded for p in profiles], dtype=bool),
        fees=np.array([p.fees for p in profiles], dtype=bool).reshape(len(profiles), len(fees)),
        lines=pl.DataFrame({"_pid": range(len(profiles)), "tariff_line": [p.line for p in profiles]},
                           schema={"_pid": pl.Int64, "tariff_line": pl.String}))


def groups(ids: np.ndarray, rows: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """The rows (indices) of each id among `rows`, one sort rather than a filter per id."""
    if not len(rows):
        return []
    sub = ids[rows]
    order = np.argsort(sub, kind="stable")
    cuts = np.flatnonzero(np.diff(sub[order])) + 1
    return [(int(sub[part[0]]), rows[part]) for part in np.split(order, cuts)]
