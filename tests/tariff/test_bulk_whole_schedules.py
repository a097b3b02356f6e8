"""The bulk path over WHOLE schedules (JP, US, NZ, AU as shipped, with the demo's excise, VAT and fee measures that
`make demo` keeps beside them): one manifest per economy with parcels on lines drawn from the whole schedule, its
rates joined from the line table (clearway.tariff.line_table), gives for every parcel the amounts a declaration of
its own gives on the per-declaration path (clearway.tariff.core), or the same refusal."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from clearway.errors import Invalid
from clearway.tariff import bulk, core, rules, schedule
from clearway.tariff.importers import shipped, store
from tests.tariff.helpers import demo_rates
from tests.tariff.parcel_pair import amounts, declaration, single_amounts

ON = date(2026, 12, 1)
PER_ECONOMY = 160


def whole(economy: str) -> schedule.Schedule:
    demo = schedule.builtin(economy)
    kept = [m for m in demo.measures if m.type not in store.REPLACED] if demo else []
    s = shipped.schedule_of(economy)
    return schedule.Schedule(economy=s.economy, currency=s.currency, name=s.name, measures=s.measures + kept)


def manifest(sched: schedule.Schedule, local: str, rng: np.random.Generator) -> list[dict]:
    """Parcels on national lines of every kind of rate (a share of them specific or compound, declared in the unit
    the rate is per), on the demo's excise lines, and on a few six-digit codes the schedule splits."""
    mfn = sorted({m.code: m for m in sched.measures if m.type == "mfn"}.items())
    plain = [m for _, m in mfn if m.expression.ad_valorem_only()]
    other = [m for _, m in mfn if not m.expression.ad_valorem_only()]
    picks = [plain[i] for i in rng.choice(len(plain), PER_ECONOMY // 2, replace=False)]
    picks += [other[i] for i in rng.choice(len(other), min(len(other), PER_ECONOMY // 4), replace=False)]
    codes = [(m.code, sorted(m.expression.units())) for m in picks]
    codes += [(m.code + "0" * (8 - len(m.code)), []) for m in sched.measures if m.type == "excise"][:5]
    split = sorted({m.code[:6] for _, m in mfn if len(m.code) > 6} - {c for c, _ in mfn})[:5]
    codes += [(c, []) for c in split]  # split into national lines: refused on both paths
    out = []
    for n, (code, units) in enumerate(codes):
        currency = ("USD", local)[n % 2]
        cents = int(rng.integers(100, 300_000 if currency == "USD" else 3_000_000))
        value = str(cents) if local == "JPY" and currency == local else f"{cents // 100}.{cents % 100:02d}"
        out.append({"parcel": f"P{n}", "sender_name": "Shop", "sender_country": "CN", "receiver_name": "Buyer",
                    "origin": "CN", "hs_code": code, "value": value, "currency": currency,
                    "quantity": "2.5" if units else "1", "unit": units[0] if units else "u", "weight_kg": "1.2"})
    return out


@pytest.mark.parametrize("economy", ["JP", "US", "NZ", "AU"])
def test_bulk_over_a_whole_schedule_gives_the_single_path_figures(economy):
    sched, eco_rules, rates = whole(economy), rules.get(economy), demo_rates(economy, ON)
    parcels = manifest(sched, eco_rules.currency, np.random.default_rng(11))
    df = pl.DataFrame(parcels, schema={c: pl.String for c in parcels[0]})
    df = df.with_columns([pl.lit(None, pl.String).alias(c) for c in bulk.COLUMNS if c not in df.columns])
    df = df.with_columns(line=pl.int_range(1, df.height + 1), malformed=pl.lit(None, pl.String))
    rows = bulk.result_rows(bulk.assess(df, rules=eco_rules, schedule=sched, rates=rates, on=ON)).to_dicts()
    assessed = refused = 0
    for p, row in zip(parcels, rows, strict=True):
        try:
            single = core.assess(declaration(economy, p), on=ON, rules=eco_rules, schedule=sched, rates=rates)
        except Invalid as exc:
            refused += 1
            assert row["outcome"] == "refused" and row["reason"] == f"hs_code: {exc.errors[0].reason}", (p, row)
            continue
        assessed += 1
        assert row["outcome"] == "assessed", (p, row)
        assert amounts(row) == single_amounts(single), (p, row)
        assert row["tariff_line"] == next(x.tariff_line for x in single.lines if x.kind == "duty"), (p, row)
    assert refused >= 5 and assessed >= PER_ECONOMY // 2  # the split six-digit codes, and the rest assessed
