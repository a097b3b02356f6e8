"""The dashboard's indicators, computed live from the records of every domain (declarations and their
time-release figures, payments, certificates, seal alerts) over a window of whole months, plus those an
administrator entered (clearway.dashboard.service). Composes: a flow."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.certificates.models import Certificate, Delivery
from clearway.containers.models import SealAlert
from clearway.dashboard import service as dashboard
from clearway.dashboard.core import PILLARS, Indicator, Series, share
from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.errors import FieldError, Invalid
from clearway.flows import environmental_goods, time_release
from clearway.payments import core as payments_core
from clearway.payments.models import Payment
from clearway.timerelease import core
from clearway.timerelease.survival import kaplan_meier

MONTHS = 6
AS_OF_YEARS = (1990, 2999)  # a window's end the dashboard computes (customs declarations are not older)
BUCKETS = ((0, 1), (1, 6), (6, 12), (12, 24), (24, 48), (48, 96), (96, None))  # hours, arrival -> release


def window(now: datetime, months: int = MONTHS) -> tuple[datetime, datetime, list[str]]:
    """From the first day of the month `months - 1` before now's, to now; and the month labels."""
    y, m = now.year, now.month - (months - 1)
    while m < 1:
        y, m = y - 1, m + 12
    start = datetime(y, m, 1, tzinfo=UTC)
    labels = []
    for _ in range(months):
        labels.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return start, now, labels


def window_end(as_of: date | datetime | None) -> datetime | None:
    """The window's end for an `as_of` the dashboard was asked for: a time as given, a date at its last moment
    (so that its month is the window's last), None for now."""
    if as_of is None:
        return None
    if not AS_OF_YEARS[0] <= as_of.year <= AS_OF_YEARS[1]:
        raise Invalid("no dashboard window there", errors=[FieldError(
            "as_of", f"a date or time from {AS_OF_YEARS[0]} to {AS_OF_YEARS[1]}")])
    if isinstance(as_of, datetime):
        return as_of.astimezone(UTC)
    return datetime.combine(as_of + timedelta(days=1), datetime.min.time(), tzinfo=UTC) - timedelta(microseconds=1)


def _month(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def _median(hours: pl.DataFrame, name: str) -> float | None:
    usable = hours.filter(pl.col(f"s_{name}").is_in([core.ENDED, core.CENSORED]))
    curve = kaplan_meier(usable[f"h_{name}"].to_numpy(), (usable[f"s_{name}"] == core.ENDED).to_numpy())
    return curve.quantile(0.5)


def _per_month(wide: pl.DataFrame, labels: list[str], value) -> list[tuple[str, object]]:
    parts = {p["month"][0]: p for p in wide.partition_by("month")} if wide.height else {}
    return [(label, value(parts[label]) if label in parts else None) for label in labels]


def declarations_indicators(wide: pl.DataFrame, labels: list[str], provenance: str) -> list[Indicator]:
    """Everything read from the declarations' lifecycle (`wide`: core.intervals, with `month`)."""
    lanes = wide.filter(pl.col("lane").is_not_null())

    def lane_share(lane: str):
        return lambda part: share(part.filter(pl.col("lane") == lane).height, part.filter(
            pl.col("lane").is_not_null()).height)

    def median_of(name: str, rows: pl.DataFrame | None = None):
        return _per_month(wide if rows is None else rows, labels, lambda part: _median(part, name))

    ended = wide.filter(pl.col("s_arrival_to_release") == core.ENDED)["h_arrival_to_release"]
    buckets = [(f"{lo}-{hi} h" if hi else f"{lo}+ h", ended.filter((ended >= lo) & (ended < (hi or 1e18))).len())
               for lo, hi in BUCKETS]
    essential = wide.filter(pl.col("essential"))
    others = wide.filter(~pl.col("essential"))
    within = core.TARGET_HOURS[core.OVERALL]

    def ind(key, pillar, title, unit, series, chart="bar", note=None):
        return Indicator(key, pillar, title, unit, "computed", provenance, chart, series, note)

    return [
        ind("release_time_trend", "policy", "Median release time by month", "hours",
            [Series("arrival to release", median_of(core.OVERALL)),
             Series("lodgement to release", median_of("lodgement_to_release"))], "line",
            "Kaplan-Meier medians: declarations still in progress are censored, not dropped"),
        ind("release_time_distribution", "policy", "Arrival to release: how long it took", "declarations",
            [Series("released", buckets)]),
        ind("within_target", "policy", f"Released within {within:g} hours of arrival", "%",
            [Series("share", _per_month(wide, labels, lambda p: _within(p, within)))], "line"),
        ind("pre_arrival_share", "policy", "Declarations lodged before arrival", "%",
            [Series("pre-arrival", _per_month(wide, labels, lambda p: share(p["pre_arrival"].sum(), p.height)))]),
        ind("declaration_volumes", "industry", "Declarations lodged", "declarations",
            [Series("declarations", _per_month(wide, labels, lambda p: p.height))]),
        ind("lane_shares", "industry", "Lane shares", "% of laned declarations",
            [Series(lane, _per_month(lanes, labels, lane_share(lane))) for lane in ("green", "yellow", "red")]),
        ind("low_value_volumes", "industry", "Low-value consignments (under de minimis)", "declarations",
            [Series("low-value", _per_month(wide, labels, lambda p: p["low_value"].sum()))]),
        ind("essential_release_time", "covid", "Essential goods against all others: median lodgement to release",
            "hours", [Series("essential goods", median_of("lodgement_to_release", essential)),
                      Series("all others", median_of("lodgement_to_release", others))], "line"),
        ind("essential_volumes", "covid", "Essential goods declarations", "declarations",
            [Series("essential goods", _per_month(wide, labels, lambda p: p["essential"].sum()))]),
    ]


def _within(part: pl.DataFrame, hours: float) -> float | None:
    usable = part.filter(pl.col("s_arrival_to_release").is_in([core.ENDED, core.CENSORED]))
    if not usable.height:
        return None
    curve = kaplan_meier(usable["h_arrival_to_release"].to_numpy(),
                         (usable["s_arrival_to_release"] == core.ENDED).to_numpy())
    return 100.0 * curve.ended_by(hours) if len(curve.times) else 0.0


def payment_indicators(session: Session, *, start: datetime, economy: str | None, labels: list[str],
                       low_value: set[int], provenance: str) -> list[Indicator]:
    stmt = (select(Payment.declaration_id, Payment.amount, Payment.currency, Payment.method, Payment.paid_at)
            .join(Declaration, Declaration.id == Payment.declaration_id).where(Payment.paid_at >= start))
    if economy:
        stmt = stmt.where(Declaration.economy == economy)
    revenue: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    low: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    methods: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for did, amount, currency, method, at in session.execute(stmt):
        month = _month(at)
        revenue[(currency, month)] += amount
        if did in low_value:
            low[(currency, month)] += amount
        methods[month][0] += method in payments_core.METHODS  # every method Clearway takes is electronic
        methods[month][1] += 1
    currencies = sorted({c for c, _ in revenue})

    def money(totals):
        return [Series(c, [(m, totals.get((c, m), Decimal(0))) for m in labels]) for c in currencies]

    return [
        Indicator("revenue", "industry", "Duties and taxes collected", "currency units", "computed", provenance,
                  "bar", money(revenue)),
        Indicator("low_value_revenue", "industry", "Collected on low-value consignments", "currency units",
                  "computed", provenance, "bar", money(low)),
        Indicator("e_payment_share", "technology", "Payments made electronically", "% of payments", "computed",
                  provenance, "bar", [Series("electronic", [(m, share(*methods[m]) if m in methods else None)
                                                           for m in labels])],
                  note="methods: " + ", ".join(payments_core.METHODS)),
    ]


def exchange_indicators(session: Session, *, start: datetime, economy: str | None, labels: list[str],
                        provenance: str) -> list[Indicator]:
    certs = select(Certificate.direction, Certificate.recorded_at).where(Certificate.recorded_at >= start)
    if economy:
        certs = certs.where(((Certificate.direction == "issued") & (Certificate.exporting_economy == economy))
                            | ((Certificate.direction == "received") & (Certificate.importing_economy == economy)))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for direction, at in session.execute(certs):
        counts[(direction, _month(at))] += 1
    sent = (select(Delivery.created_at, Delivery.updated_at).join(Certificate, Certificate.id == Delivery.certificate_id)
            .where(Delivery.state == "sent", Delivery.created_at >= start))
    if economy:
        sent = sent.where(Certificate.exporting_economy == economy)
    times: dict[str, list[float]] = defaultdict(list)
    for created, updated in session.execute(sent):
        times[_month(created)].append((updated - created).total_seconds() / 60)
    alerts = select(SealAlert.raised_at, SealAlert.status, SealAlert.finding).where(SealAlert.raised_at >= start)
    if economy:
        alerts = alerts.where(SealAlert.economy == economy)
    outcomes: dict[tuple[str, str], int] = defaultdict(int)
    for at, status, finding in session.execute(alerts):
        outcomes[("open" if status == "open" else finding or "closed", _month(at))] += 1
    kinds = ("open", "tampered", "false_alarm", "device_fault")
    return [
        Indicator("certificates_exchanged", "technology", "ePhyto certificates exchanged", "certificates", "computed",
                  provenance, "bar", [Series(d, [(m, counts.get((d, m), 0)) for m in labels])
                                      for d in ("issued", "received")]),
        Indicator("certificate_delivery_time", "technology", "Median time to deliver an ePhyto through the hub",
                  "minutes", "computed", provenance, "line",
                  [Series("issued here", [(m, float(pl.Series(times[m]).median()) if times.get(m) else None)
                                          for m in labels])]),
        Indicator("seal_alerts", "technology", "Seal alerts and their outcomes", "alerts", "computed", provenance,
                  "bar", [Series(k, [(m, outcomes.get((k, m), 0)) for m in labels]) for k in kinds]),
    ]


PAPERLESS_METHOD = (
    "Share of what was recorded in the month that never touched paper. A declaration touched paper when it was "
    "keyed in from a paper form (lodged with `clearway submit --from-paper`); the API, the web form, file uploads "
    "and `clearway submit` are electronic, and declarations lodged before the channel was recorded (all through "
    "those channels) count as electronic. A certificate touched paper once its printable copy was opened or its "
    "printed verification code was checked (by the month it was recorded here; prints were not recorded "
    "before migration 0302, so months before it may overstate). A payment touched paper unless made by a method Clearway takes "
    "electronically (" + ", ".join(payments_core.METHODS) + "): Clearway takes no cash or cheque.")


def paperless_indicator(session: Session, *, start: datetime, economy: str | None, labels: list[str],
                        provenance: str) -> Indicator:
    """Paperless trade's own footprint: declarations, certificates and payments that never touched paper."""
    decls = select(Declaration.accepted_at, Declaration.channel != "paper").where(Declaration.accepted_at >= start)
    certs = select(Certificate.recorded_at, Certificate.paper_at.is_(None)).where(Certificate.recorded_at >= start)
    pays = (select(Payment.paid_at, Payment.method.in_(payments_core.METHODS))
            .join(Declaration, Declaration.id == Payment.declaration_id).where(Payment.paid_at >= start))
    if economy:
        decls, pays = decls.where(Declaration.economy == economy), pays.where(Declaration.economy == economy)
        certs = certs.where(((Certificate.direction == "issued") & (Certificate.exporting_economy == economy))
                            | ((Certificate.direction == "received") & (Certificate.importing_economy == economy)))
    series = []
    for name, stmt in (("declarations", decls), ("certificates", certs), ("payments", pays)):
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for at, paperless in session.execute(stmt):
            counts[_month(at)][0] += bool(paperless)
            counts[_month(at)][1] += 1
        series.append(Series(name, [(m, share(*counts[m]) if m in counts else None) for m in labels]))
    return Indicator("paperless_footprint", "technology", "Paperless trade's own footprint: never touched paper",
                     "%", "computed", provenance, "line", series, PAPERLESS_METHOD)


def indicators(session: Session, *, economy: str | None = None, now: datetime | None = None) -> list[Indicator]:
    """Every indicator of the dashboard: computed over the last six whole months to now, then entered."""
    start, end, labels = window(now or utcnow())
    provenance = f"computed live: {start:%Y-%m-%d} to {end:%Y-%m-%d %H:%M} UTC, by month" + (
        f", {economy}" if economy else ", all economies of this installation")
    frame = time_release.lifecycles(session, lo=start, hi=end, economy=economy)
    wide = core.period_column(core.intervals(frame, as_of=end), "month").rename({"period": "month"})
    low_value = set(wide.filter(pl.col("low_value"))["id"].to_list())
    found = declarations_indicators(wide, labels, provenance)
    found += payment_indicators(session, start=start, economy=economy, labels=labels, low_value=low_value,
                                provenance=provenance)
    found += environmental_goods.indicators(session, wide=wide, start=start, end=end, economy=economy,
                                            provenance=provenance)
    found += exchange_indicators(session, start=start, economy=economy, labels=labels, provenance=provenance)
    found.append(paperless_indicator(session, start=start, economy=economy, labels=labels, provenance=provenance))
    found += dashboard.entered_indicators(session, economy=economy)
    order = list(PILLARS)
    return sorted(found, key=lambda i: order.index(i.pillar))

