"""The commitment check as the API and the CLI show it (plain data from the pure core's result)."""

from __future__ import annotations

from clearway.green.check import CAP, RateAt, TariffCheck
from clearway.green.schemas import RateOut, SubheadingOut, TariffCheckOut


def _rate(r: RateAt) -> RateOut:
    return RateOut(national_line=r.national_line, description=r.description, rate=r.rate, ad_valorem_equivalent=r.ave, basis=r.basis,
                   above_cap=r.above_cap)


def tariff_check(result: TariffCheck) -> TariffCheckOut:
    return TariffCheckOut(
        economy=result.economy, date=result.on, cap_percent=CAP, edition=result.edition, schedule=result.schedule,
        currency=result.currency, counts=result.counts(), preference_counts=result.preference_counts(),
        above_cap=sorted({r.national_line for s in result.subheadings for r in s.mfn if r.above_cap}),
        subheadings=[SubheadingOut(subheading=s.subheading, listed_as=s.listed_as, description=s.description,
                                   partial=s.partial, status=s.status, max_ad_valorem_equivalent=s.max_ave,
                                   mfn=[_rate(r) for r in s.mfn],
                                   preferences={k: [_rate(r) for r in v] for k, v in s.preferences.items()})
                     for s in result.subheadings])
