"""Commands: `clearway tariff load|import|coverage|line`, `clearway rates load`, `clearway quote`, `clearway lvg import`."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearway.cli_common import err, fail, out, read_text, refusals_exit, uow

tariff_app = typer.Typer(help="Tariff schedules.", no_args_is_help=True)
rates_app = typer.Typer(help="Customs exchange rates.", no_args_is_help=True)
lvg_app = typer.Typer(help="Low-value e-commerce parcels in bulk.", no_args_is_help=True)


def _day(text: str | None) -> date:
    from clearway.db import utcnow

    if not text:
        return utcnow().date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--date: {text!r} is not a date (YYYY-MM-DD)")


@tariff_app.command("load")
@refusals_exit
def tariff_load(file: Annotated[str, typer.Argument(help="schedule: JSON (clearway-tariff-schedule/1) or CSV")]) -> None:
    """Load an economy's tariff schedule; it replaces that economy's loaded measures as a whole."""
    from clearway.tariff import service

    text = read_text(file)
    with uow() as session:
        loaded = service.load_schedules(session, text=text, name=file, actor="cli")
    for x in loaded:
        out.print(f"{x['economy']}: {x['measures']} measures loaded", highlight=False)


@tariff_app.command("import")
@refusals_exit
def tariff_import(file: Annotated[Path, typer.Argument(help="the publication (file or folder, per format)")],
                  fmt: Annotated[str, typer.Option("--format", help="jp-customs, us-hts-csv, nz-rates-xlsx, "
                                                   "au-schedule3-json, cl-arancel-json, clearway-packed")],
                  correlation: Annotated[Optional[Path], typer.Option(help="nz-rates-xlsx: the 2022 correlation "
                                                                      "table (WTD txt zip)")] = None,
                  report: Annotated[Optional[Path], typer.Option(help="write every refused and skipped line here "
                                                                 "(CSV)")] = None,
                  strict: Annotated[bool, typer.Option(help="refuse the whole import if any line is refused")] = False,
                  dry_run: Annotated[bool, typer.Option("--dry-run", help="read and report, store nothing")] = False) -> None:
    """Import a whole national schedule from its publication: its MFN and preference measures replace the
    economy's loaded ones (its excise, VAT and fee measures stay). Unreadable lines are refused by code."""
    from clearway.tariff import importers
    from clearway.tariff.importers import store

    if fmt not in importers.FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(importers.FORMATS)}")
    if not file.exists():
        fail(f"{file}: no such file or folder")
    try:
        got = importers.read(fmt, file, correlation=correlation)
    except (OSError, ValueError, KeyError) as exc:
        fail(f"{file}: not a {fmt} publication: {exc}")
    if report:
        _write_report(report, got)
    for r in got.refused[:20]:
        err.print(f"refused {r.line()}", markup=False, highlight=False, soft_wrap=True)
    if len(got.refused) > 20:
        err.print(f"... {len(got.refused) - 20} more refused lines" + (f" in {report}" if report else ""),
                  highlight=False)
    if strict and got.refused:
        fail(f"{len(got.refused)} lines refused (first: {got.refused[0].line()}); nothing stored (--strict)")
    s = got.summary()
    if dry_run:
        from clearway.tariff import schedule

        schedule.parse_document(got.document())  # the same whole check as a real import
    else:
        with uow() as session:
            store.replace(session, doc=got.document(), actor="cli", file=str(file))
    out.print(f"{s['economy']}: {s['lines']} lines read, {s['measures']} measures "
              f"({s.get('mfn_measures', 0)} MFN, {s.get('preference_measures', 0)} preference) "
              f"{'checked' if dry_run else 'loaded'}; {s['refused']} refused, {s['skipped']} not imported",
              highlight=False)
    for note in got.notes:
        out.print(note, highlight=False)


def _write_report(path: Path, got) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["outcome", "code", "column", "text", "reason"])
        for outcome, rows in (("refused", got.refused), ("not imported", got.skipped)):
            for r in rows:
                w.writerow([outcome, r.code, r.column, r.text, r.reason])


@tariff_app.command("coverage")
@refusals_exit
def tariff_coverage(economy: str,
                    on: Annotated[Optional[str], typer.Option("--date", help="YYYY-MM-DD (default today)")] = None,
                    as_json: Annotated[bool, typer.Option("--json", help="everything, with the missing subheadings")] = False) -> None:
    """The share of HS 2022 subheadings that have an applied rate in the economy's schedule."""
    from clearway.tariff import service
    from clearway.tariff.importers import store
    from clearway.tariff.importers.coverage import coverage

    with uow() as session:
        sched = service.schedule_for(session, economy.upper())
        c = coverage(sched, _day(on), store.unrated_lines(session, economy.upper()))
    if as_json:
        out.print_json(data=c)
        return
    out.print(f"{c['economy']} on {c['date']}: {c['covered']} of {c['subheadings']} HS 2022 subheadings have an "
              f"applied rate ({c['share']}%); in the {c['chapters']} chapters the schedule holds: "
              f"{c['covered_in_chapters']} of {c['subheadings_in_chapters']} ({c['share_in_chapters']}%)",
              highlight=False)


@tariff_app.command("line")
@refusals_exit
def tariff_line(economy: str, code: str,
                on: Annotated[Optional[str], typer.Option("--date", help="YYYY-MM-DD (default today)")] = None) -> None:
    """Show the measures in force for a tariff line on a date."""
    from clearway.tariff import service

    with uow() as session:
        info = service.line_info(session, economy=economy.upper(), code=code, on=_day(on))
    out.print_json(data=info)


@rates_app.command("load")
@refusals_exit
def rates_load(file: Annotated[str, typer.Argument(help="CSV: economy,currency,rate,valid_from[,valid_to][,source]")]) -> None:
    """Load customs exchange rates (local currency per one unit of the foreign currency)."""
    from clearway.tariff import service

    text = read_text(file)
    with uow() as session:
        n = service.load_rates(session, text=text, actor="cli")
    out.print(f"{n} exchange rates loaded", highlight=False)


@refusals_exit
def quote(file: Annotated[str, typer.Argument(help="a JSON declaration (as lodged); - for stdin")],
          on: Annotated[Optional[str], typer.Option("--date", help="the day whose rules apply (default today)")] = None,
          as_json: Annotated[bool, typer.Option("--json", help="print the whole assessment as JSON")] = False) -> None:
    """Duties and taxes of a declaration without lodging it: the landed cost before shipping."""
    from rich.table import Table

    from clearway.declarations.schemas import DeclarationIn
    from clearway.tariff import service
    from clearway.tariff.schemas import QuoteIn
    from clearway.validation import parse

    try:
        doc = json.loads(read_text(file))
    except json.JSONDecodeError as exc:
        fail(f"{file}: not JSON: {exc.msg} at line {exc.lineno}")
    body = parse(QuoteIn, doc)
    day = body.date or _day(on)
    with uow() as session:
        result = service.calculate(session, DeclarationIn.model_validate(body.model_dump(exclude={"date"})), day)
    if as_json:
        out.print_json(data=result.as_dict())
        return
    table = Table("item", "kind", "line", "base", "rate", "amount", "decision", title=f"{result.economy} on {day}")
    for x in result.lines:
        table.add_row(str(x.item), x.kind, x.tariff_line or "", f"{x.base:f}", x.rate, f"{x.amount:f}", x.decision or "")
    out.print(table)
    out.print(f"customs value {result.customs_value:f} {result.currency} ({result.valuation_basis}); duty "
              f"{result.duty:f}, excise {result.excise:f}, {result.tax_name or 'tax'} {result.tax:f}; "
              f"total due {result.total_due:f} {result.currency}", highlight=False)


@lvg_app.command("import")
@refusals_exit
def lvg_import(file: Annotated[str, typer.Argument(help="manifest: JSON Lines or CSV, one parcel per line")],
               economy: Annotated[str, typer.Option(help="the importing economy")],
               on: Annotated[Optional[str], typer.Option("--date", help="rules of this day (default today)")] = None,
               results: Annotated[Optional[Path], typer.Option(help="write the per-parcel results here (.csv or .jsonl)")] = None,
               chunk: Annotated[int, typer.Option(help="parcels per batch")] = 100_000) -> None:
    """Assess a manifest of low-value parcels; a malformed parcel is refused alone."""
    import polars as pl
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from clearway.tariff import bulk, rules, service

    day = _day(on)
    try:
        df = bulk.read_manifest(read_text(file), "csv" if file.lower().endswith(".csv") else None)
    except (ValueError, pl.exceptions.PolarsError) as exc:
        fail(f"{file}: {exc}")
    r = rules.get(economy.upper()) or fail(f"--economy: {economy!r} has no assessment rules")
    with uow() as session:
        sched = service.schedule_for(session, r.economy)
        rates = service.rates_for(session, r.economy, day)
    parts = []
    with Progress(TextColumn("assessing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("parcels", total=df.height)
        for start in range(0, df.height, chunk):
            parts.append(bulk.assess(df.slice(start, chunk), rules=r, schedule=sched, rates=rates, on=day))
            bar.advance(task, min(chunk, df.height - start))
    res = bulk.merge(parts, r.currency, r.economy, day)
    if results:
        rows = bulk.result_rows(res)
        if results.suffix == ".csv":
            rows.write_csv(results)
        else:
            rows.write_ndjson(results)
    s = res.summary
    out.print(f"{s['parcels']} parcels: {s['assessed']} assessed, {s['refused']} refused; duty {s['duty']}, "
              f"excise {s['excise']}, tax {s['tax']}, total {s['total']} {s['currency']}", highlight=False)
    for x in s["refusals"][:20]:
        out.print(f"  line {x['line']} ({x['parcel']}): {x['reason']}", markup=False, highlight=False)
    if s["refused"] > 20:
        out.print(f"  ... {s['refused'] - 20} more refusals" + (f" in {results}" if results else ""), highlight=False)
    if s["refused"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(tariff_app, name="tariff")
    app.add_typer(rates_app, name="rates")
    app.add_typer(lvg_app, name="lvg")
    app.command()(quote)
