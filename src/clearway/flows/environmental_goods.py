"""APEC's environmental goods at the border: which of a declaration's goods items are under a subheading of the list
in force (the flag its pages, its API read and list, and the officer's queue show), and the dashboard's view of
the declarations carrying them against all goods (declared value, duty collected, lane shares, release times).
Composes the green domain's list with declarations, payments and the time-release frame: a flow, so declarations
never import green."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.dashboard.core import Indicator, Series, share
from clearway.declarations.models import Declaration, DeclarationItem
from clearway.declarations.schemas import EnvironmentalGoodsLine
from clearway.green import egl, service as green
from clearway.payments.core import at_currency_precision
from clearway.payments.models import Payment
from clearway.timerelease import core
from clearway.timerelease.models import Milestones
from clearway.timerelease.survival import kaplan_meier

SECTION = "Environmental goods (APEC list) against all goods"
LISTED = "carrying listed goods"
ALL = "all goods"
LISTED_ITEMS = "listed goods items only"
NOT_DECLARED = ("rejected", "cancelled")  # refused or withdrawn: nothing of them crossed the border
LANES = ("green", "yellow", "red")
RELEASE = "lodgement_to_release"
QUANTILES = (("median", 0.5), ("90th percentile", 0.9))

METHOD = (
    "A declaration carries listed goods when at least one of its goods items is under an HS 2022 subheading of the "
    "environmental goods list in force ({edition}). Most lines are ex-outs (the list names only part of the "
    "subheading), so such a declaration possibly carries environmental goods: the whole subheading is counted. "
    "'All goods' is every declaration lodged in the same window and economy, those carrying listed goods included.")


def edition(session: Session) -> egl.Edition:
    """The list in force, for `lines`."""
    return green.edition(session)


def lines(edition: egl.Edition, row: Declaration) -> list[EnvironmentalGoodsLine]:
    """`matches` against an edition read before (`edition`)."""
    codes = [i.get("hs_code") or "" for i in (row.content or {}).get("items", [])]
    return [EnvironmentalGoodsLine(item=m.item, hs_code=m.hs_code, subheading=m.subheading, listed_as=m.listed_as,
                                   line=m.title, coverage=m.coverage, caveat=m.caveat)
            for m in egl.matches(edition, codes)]


def matches(session: Session, *, row: Declaration) -> list[EnvironmentalGoodsLine]:
    """The goods items of a declaration that are under a listed subheading, each with the list's line and caveat."""
    return lines(green.edition(session), row)


def matches_of(session: Session, *, rows: list[Declaration]) -> dict[int, list[EnvironmentalGoodsLine]]:
    """`matches` of each of many declarations (a list page, the officer's queue) by row id, against one
    reading of the edition in force."""
    edition = green.edition(session)
    return {row.id: lines(edition, row) for row in rows}


def _lodged(*, start: datetime, end: datetime, economy: str | None):
    """The declarations lodged in [start, end) (the time-release frame's window)."""
    lodged = select(Milestones.declaration_id).where(Milestones.lodged >= start, Milestones.lodged < end)
    return lodged.where(Milestones.economy == economy) if economy else lodged


def _goods(session: Session, *, start: datetime, end: datetime, economy: str | None) -> list:
    """Each goods item of the declarations lodged in the window: (declaration id, status, currency, hs, value)."""
    return list(session.execute(
        select(Declaration.id, Declaration.status, Declaration.content["currency"].as_string(),
               DeclarationItem.hs_code, DeclarationItem.value)
        .join(DeclarationItem, DeclarationItem.declaration_id == Declaration.id)
        .where(Declaration.id.in_(_lodged(start=start, end=end, economy=economy)))))


def _release_quantile(part: pl.DataFrame, p: float) -> float | None:
    usable = part.filter(pl.col(f"s_{RELEASE}").is_in([core.ENDED, core.CENSORED]))
    if not usable.height:
        return None
    curve = kaplan_meier(usable[f"h_{RELEASE}"].to_numpy(), (usable[f"s_{RELEASE}"] == core.ENDED).to_numpy())
    return curve.quantile(p)


def _lane_shares(part: pl.DataFrame) -> list[tuple[str, float | None]]:
    laned = part.filter(pl.col("lane").is_not_null())
    return [(lane, share(laned.filter(pl.col("lane") == lane).height, laned.height)) for lane in LANES]


def indicators(session: Session, *, wide: pl.DataFrame, start: datetime, end: datetime, economy: str | None,
               provenance: str) -> list[Indicator]:
    """The industry pillar's environmental goods section. `wide`: the time-release frame of the declarations
    lodged in [start, end) (core.intervals), the same the other dashboard indicators read."""
    edition = green.edition(session)
    listed = edition.subheadings()
    carrying: set[int] = set()
    value: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    goods = _goods(session, start=start, end=end, economy=economy)
    for did, status, currency, hs_code, amount in goods:
        on_list = hs_code is not None and hs_code[:6] in listed  # a clearance request's item may have no code
        if on_list:
            carrying.add(did)
        if status not in NOT_DECLARED and amount is not None:
            value[(ALL, currency)] += amount
            if on_list:
                value[(LISTED_ITEMS, currency)] += amount
    # the value of a declaration carrying listed goods is every item's, listed or not (as the duty collected is)
    for did, status, currency, _, amount in goods:
        if did in carrying and status not in NOT_DECLARED and amount is not None:
            value[(LISTED, currency)] += amount
    duty: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    paid = select(Payment.declaration_id, Payment.amount, Payment.currency).where(
        Payment.paid_at < end, Payment.declaration_id.in_(_lodged(start=start, end=end, economy=economy)))
    for did, amount, currency in session.execute(paid):
        duty[(ALL, currency)] += amount
        if did in carrying:
            duty[(LISTED, currency)] += amount
    flagged = wide.filter(pl.col("id").is_in(list(carrying)))
    method = METHOD.format(edition=edition.name)

    def money(totals: dict[tuple[str, str], Decimal], groups: tuple[str, ...]) -> list[Series]:
        currencies = sorted({c for _, c in totals})
        return [Series(g, [(c, at_currency_precision(totals.get((g, c), Decimal(0)), c)) for c in currencies])
                for g in groups]

    def ind(key: str, title: str, unit: str, series: list[Series], note: str) -> Indicator:
        return Indicator(key, "industry", title, unit, "computed", provenance + "; totals over the whole window",
                         "bar", series, note, SECTION)

    return [
        ind("environmental_goods_declarations", "Environmental goods: declarations lodged", "declarations",
            [Series(LISTED, [("declarations", flagged.height)]), Series(ALL, [("declarations", wide.height)])],
            method + " Counted here: every declaration lodged in the window, whatever its status."),
        ind("environmental_goods_value", "Environmental goods: declared value against all goods", "currency units",
            money(value, (LISTED, LISTED_ITEMS, ALL)),
            "Customs value declared, by the declaration's currency, rejected and cancelled declarations left out; "
            f"'{LISTED_ITEMS}' counts the listed items alone."),
        ind("environmental_goods_duty", "Environmental goods: duties and taxes collected against all goods",
            "currency units", money(duty, (LISTED, ALL)),
            "Payments received up to the window's end on the declarations lodged in it (a declaration's payment is "
            "not split between its items)."),
        ind("environmental_goods_lanes", "Environmental goods: lane shares against all goods",
            "% of laned declarations", [Series(LISTED, _lane_shares(flagged)), Series(ALL, _lane_shares(wide))],
            "Share of each lane among the declarations whose lane was selected."),
        ind("environmental_goods_release", "Environmental goods: lodgement to release against all goods", "hours",
            [Series(name, [(q, _release_quantile(part, p)) for q, p in QUANTILES])
             for name, part in ((LISTED, flagged), (ALL, wide))],
            "Kaplan-Meier quantiles of lodgement to release (the time-release figures): declarations still in "
            "progress are censored, not dropped; none when fewer than that share were released."),
    ]
