"""`clearway trs report`: the WCO Time Release Study figures from the stored lifecycle, as tables."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of polars and the report's flow.

from typing import Annotated, Optional

import typer

from clearway.cli_common import out, refusals_exit

trs_app = typer.Typer(help="Time release (WCO TRS): release-time figures from the stored lifecycle.",
                      no_args_is_help=True)


def _h(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@trs_app.command("report")
@refusals_exit
def report(date_from: Annotated[Optional[str], typer.Option("--from", help="YYYY-MM-DD or ISO time (default: "
                                                                          "30 days before --to)")] = None,
           date_to: Annotated[Optional[str], typer.Option("--to", help="YYYY-MM-DD (inclusive) or ISO time "
                                                                      "(default: now)")] = None,
           economy: Annotated[Optional[str], typer.Option(help="one economy (default: all)")] = None,
           by: Annotated[Optional[str], typer.Option(help="break down by office, mode, lane, trusted, pre_arrival, "
                                                          "essential, low_value or period")] = None,
           period: Annotated[str, typer.Option(help="with --by period: day, week or month")] = "month",
           target: Annotated[Optional[list[str]], typer.Option(help="interval:hours (repeat)")] = None,
           csv: Annotated[bool, typer.Option("--csv", help="print the table as CSV")] = False) -> None:
    """Count, mean, median, 90th percentile and share within target of each interval; bottlenecks."""
    from rich.table import Table

    from clearway.cli_common import fail, uow
    from clearway.db import utcnow
    from clearway.flows import time_release
    from clearway.timerelease import query

    if by is not None and by not in query.BY:
        fail(f"--by: {by!r} is not one of {', '.join(query.BY)}")
    if period not in ("day", "week", "month"):
        fail(f"--period: {period!r} is not day, week or month")
    start, end = query.window(date_from, date_to, now=utcnow())
    goals = query.targets(target or [])
    with uow() as session:
        rep = time_release.time_release(session, start=start, end=end, economy=economy.upper() if economy else None,
                                        by=by, period=period, targets=goals)
    if csv:
        out.print(query.to_csv(rep), end="", markup=False, highlight=False, soft_wrap=True)
        return
    title = f"Time release, lodged {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC: {rep.declarations} declarations"
    table = Table(title=title + (f" ({economy.upper()})" if economy else ""))
    for name in ("group", "interval", "ended", "censored", "lacking", "mean h", "median h", "p90 h", "target h",
                 "within"):
        table.add_column(name, justify="left" if name in ("group", "interval") else "right")
    for row in query.table_rows(rep):
        within = "-" if row["within_target"] is None else f"{row['within_target']:.0%}"
        table.add_row(row["group"], row["interval"], str(row["ended"]), str(row["censored"]), str(row["lacking"]),
                      _h(row["mean_hours"]), _h(row["median_hours"]), _h(row["p90_hours"]),
                      _h(row["target_hours"]), within)
    out.print(table)
    slow = Table(title="Bottlenecks: the longest step per office and lane, against the previous period")
    for name in ("office", "lane", "declarations", "step", "mean h", "share", "previous h", "change h"):
        slow.add_column(name, justify="left" if name in ("office", "lane", "step") else "right")
    for b in rep.bottlenecks:
        slow.add_row(b.office, b.lane, str(b.declarations), b.interval, _h(b.mean_hours), f"{b.share:.0%}",
                     _h(b.previous_mean_hours), _h(b.change_hours))
    out.print(slow)
    out.print("Median, p90 and share within target are Kaplan-Meier estimates: declarations in progress are "
              "censored, not dropped.", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(trs_app, name="trs")
