"""`clearway risk ...`: train and evaluate the fraud model, replay a history (simulate), export the
inspection results as training data, edit each economy's essential-goods list."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearway.cli_common import err, fail, out, refusals_exit

risk_app = typer.Typer(help="Risk management: fraud model, targeting, simulation.", no_args_is_help=True)


@risk_app.command("train")
@refusals_exit
def train(out_dir: Annotated[Path, typer.Option("--out", help="directory to write the model into")],
          history: Annotated[Optional[list[Path]], typer.Option(
              help="labelled history CSV (repeat for several files)")] = None,
          inspections: Annotated[bool, typer.Option(
              help="add the inspection results recorded in Clearway's database")] = False,
          economy: Annotated[Optional[str], typer.Option(help="with --inspections: only this economy")] = None,
          valid: Annotated[Optional[list[Path]], typer.Option(
              help="history to validate on (default: the latest --valid-fraction of --history by date)")] = None,
          valid_fraction: Annotated[float, typer.Option(min=0.05, max=0.5)] = 0.2,
          refit: Annotated[bool, typer.Option(help="refit on training + validation rows once the rounds are chosen")]
          = True,
          rounds: Annotated[int, typer.Option(min=10, max=5000, help="most boosting rounds")] = 100) -> None:
    """Train the fraud model (LightGBM) on inspected declarations; writes model, encoders, metadata."""
    from clearway.risk.history import read_history
    from clearway.risk.model import FraudModel

    import polars as pl

    frames = [read_history([str(p) for p in history])] if history else []
    if inspections:
        from clearway.cli_common import uow
        from clearway.risk.decisions import training_rows

        with uow() as session:
            frames.append(training_rows(session, economy=economy.upper() if economy else None))
    if not frames:
        fail("give --history FILE and/or --inspections")
    df = pl.concat(frames).sort("date", maintain_order=True)
    v = read_history([str(p) for p in valid]) if valid else None
    model = FraudModel(max_rounds=rounds, valid_fraction=valid_fraction, refit=refit).fit(df, valid=v)
    model.save(out_dir)
    meta = model.metadata
    err.print(f"trained on {meta['training_window']['rows']} rows ({meta['training_window']['from']} .. "
              f"{meta['training_window']['to']}), {meta['rounds']} rounds, {meta['train_seconds']} s -> {out_dir}")
    out.print_json(data={"model": str(out_dir), "rounds": meta["rounds"],
                         "training_window": meta["training_window"], "validation": meta["validation"],
                         "metrics_validation": meta["metrics_validation"]})


@risk_app.command("score")
@refusals_exit
def score(model: Annotated[Path, typer.Option(help="model directory (clearway risk train --out)")],
          history: Annotated[list[Path], typer.Option(help="declarations to score (history layout, labels optional)")],
          out_file: Annotated[Path, typer.Option("--out", help="CSV to write: declaration_id, probability, ...")],
          reasons: Annotated[int, typer.Option(help="explain the top N declarations by probability")] = 0) -> None:
    """Score declarations in bulk: probability, expected revenue (if the model has it) and, for the
    top N, the reasons in officer language."""
    import polars as pl

    from clearway.risk.history import read_history
    from clearway.risk.model import FraudModel
    from clearway.risk.scoring import score_records

    m = FraudModel.load(model)
    df = read_history([str(p) for p in history], require_labels=False)
    p = m.predict_proba(df)[:, 1]
    rev = m.expected_revenue(df, p)
    result = df.select("declaration_id", "date", "hs_code").with_columns(
        pl.Series("probability", p), pl.Series("expected_revenue", rev if rev is not None else [None] * df.height,
                                               dtype=pl.Float64))
    texts = [""] * df.height
    if reasons > 0:
        top = sorted(range(df.height), key=lambda i: -p[i])[:reasons]
        rows = df[top].to_dicts()
        for i, s in zip(top, score_records(m, rows, reasons=True)):
            texts[i] = "; ".join(r["text"] for r in s.reasons)
    result.with_columns(pl.Series("reasons", texts)).write_csv(out_file)
    err.print(f"{df.height} declarations scored -> {out_file}")


@risk_app.command("evaluate")
@refusals_exit
def evaluate(model: Annotated[Path, typer.Option(help="model directory (clearway risk train --out)")],
             history: Annotated[list[Path], typer.Option(help="labelled history CSV to evaluate on")],
             ranking: Annotated[str, typer.Option(help="probability or revenue")] = "probability",
             as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False) -> None:
    """Precision and recall of the top 1/2/5/10% and AUC of a model on a labelled history."""
    from clearway.risk.history import read_history
    from clearway.risk.model import FraudModel
    from clearway.risk.scoring import evaluate as run

    result = run(FraudModel.load(model), read_history([str(p) for p in history]), ranking=ranking)
    if as_json:
        print(json.dumps(result))
        return
    from rich.table import Table

    table = Table("metric", "value")
    for k, v in result.items():
        table.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    out.print(table)


def _percent(text: str, name: str) -> float:
    t = text.strip()
    try:
        value = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        fail(f"{name}: {text!r} is not a share (e.g. 10% or 0.1)")
    return value


@risk_app.command("simulate")
@refusals_exit
def simulate(history: Annotated[list[Path], typer.Option(help="labelled history CSV to replay")],
             weekly_capacity: Annotated[str, typer.Option(help="share of each week inspected, e.g. 10%")] = "10%",
             exploration: Annotated[str, typer.Option(help="share of the capacity kept for exploration")] = "10%",
             method: Annotated[str, typer.Option(help="exploration: random or uncertainty")] = "random",
             retrain_every: Annotated[int, typer.Option(help="weeks between retrainings")] = 2,
             initial_weeks: Annotated[int, typer.Option(
                 help="first weeks whose outcomes are all known beforehand (a past inspection history)")] = 0,
             rounds: Annotated[int, typer.Option(min=5, max=2000)] = 60,
             seed: Annotated[int, typer.Option()] = 0,
             as_json: Annotated[bool, typer.Option("--json", help="the whole result as JSON on stdout")] = False) -> None:
    """Replay a history week by week, revealing only what was inspected, with and without exploration."""
    from clearway.risk.history import read_history
    from clearway.risk.simulate import Setup, compare

    setup = Setup(capacity=_percent(weekly_capacity, "weekly-capacity"), exploration=_percent(exploration, "exploration"),
                  method=method, retrain_every=retrain_every, rounds=rounds, seed=seed, initial_weeks=initial_weeks)
    result = compare(read_history([str(p) for p in history]), setup)
    if as_json:
        print(json.dumps(result))
        return
    from rich.table import Table

    table = Table("policy", "inspected", "found", "precision", "recall", "model AUC (2nd half)",
                  "model precision@capacity (2nd half)")
    for name in ("without_exploration", "with_exploration"):
        s = result[name]["summary"]
        table.add_row(f"{name} ({s['method']}, {s['exploration']:.0%})", str(s["inspected"]), str(s["found"]),
                      f"{s['precision']:.3f}", f"{s['recall']:.3f}", _f(s["model_auc_last_half"]),
                      _f(s["model_precision_at_capacity_last_half"]))
    out.print(table)


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


@risk_app.command("export-history")
@refusals_exit
def export_history(out_file: Annotated[Path, typer.Option("--out", help="CSV file to write")],
                   economy: Annotated[Optional[str], typer.Option(help="only this economy")] = None) -> None:
    """Write every recorded inspection as training rows (Clearway history layout, one row per item)."""
    from clearway.cli_common import uow
    from clearway.risk.decisions import training_rows

    with uow() as session:
        df = training_rows(session, economy=economy.upper() if economy else None)
    df.write_csv(out_file)
    err.print(f"{df.height} rows ({int(df['fraud'].sum() or 0)} irregular) -> {out_file}")


essential_app = typer.Typer(help="Each economy's essential-goods list (priority handling): list, add, remove.",
                            no_args_is_help=True)
risk_app.add_typer(essential_app, name="essential")
Key = Annotated[Optional[str], typer.Option(envvar="CLEARWAY_API_KEY", metavar="KEY",
                                            help="API key of an administrator of the economy")]
Reason = Annotated[str, typer.Option(help="why the list changes (kept in the audit trail)")]


@essential_app.command("list")
@refusals_exit
def essential_list(economy: Annotated[str, typer.Argument(help="APEC economy, e.g. AU")]) -> None:
    """The economy's list: subheading, source (shipped, added, removed), who changed it and why."""
    from clearway.cli_common import uow
    from clearway.risk.essential_goods import entries

    with uow() as session:
        rows = entries(session, economy=economy)
    lines, data = [], []
    for e in rows:
        changed = f"\t{e.actor}\t{e.changed_at.isoformat()}\t{e.reason}" if e.actor and e.changed_at else ""
        lines.append(f"{e.subheading}\t{e.source}{changed}")  # tab-separated: rich would expand the tabs
        data.append({"subheading": e.subheading, "source": e.source, "actor": e.actor,
                     "changed_at": e.changed_at.isoformat() if e.changed_at else None, "reason": e.reason})
    out.result(data, "".join(line + "\n" for line in lines))


def _essential_change(economy: str, subheading: str, reason: str, key: str | None, included: bool) -> None:
    from clearway.cli_common import principal_from_key, uow
    from clearway.risk.essential_goods import change

    who = principal_from_key(key)
    with uow() as session:
        row = change(session, principal=who, economy=economy, subheading=subheading, included=included,
                     reason=reason)
        err.print(f"{row.economy} {row.subheading}: {'added' if included else 'removed'} by {row.actor}",
                  markup=False, highlight=False)


@essential_app.command("add")
@refusals_exit
def essential_add(economy: Annotated[str, typer.Argument(help="APEC economy, e.g. AU")],
                  subheading: Annotated[str, typer.Argument(help="HS 2022 subheading, 6 digits")],
                  reason: Reason, key: Key = None) -> None:
    """Add an HS 2022 subheading to the economy's essential-goods list."""
    _essential_change(economy, subheading, reason, key, True)


@essential_app.command("remove")
@refusals_exit
def essential_remove(economy: Annotated[str, typer.Argument(help="APEC economy, e.g. AU")],
                     subheading: Annotated[str, typer.Argument(help="HS 2022 subheading, 6 digits")],
                     reason: Reason, key: Key = None) -> None:
    """Remove an HS 2022 subheading from the economy's essential-goods list (the shipped ones too)."""
    _essential_change(economy, subheading, reason, key, False)


def register(app: typer.Typer) -> None:
    app.add_typer(risk_app, name="risk")


