"""The demo's fraud model: a small inspection history drawn from the same generator as the demo
declarations, with planted patterns, and a model trained on it in a few seconds, so that the lane
decisions of `make demo` show a model's score and reasons.

The history is invented (seeded, reproducible); its patterns are what an officer would look for:
- three importers per economy with a poor record (60% of their inspected declarations irregular);
- undervaluation: a goods line declared in the cheapest tenth of its usual price range (60%);
- otherwise, 2% of declarations irregular at random.
Nothing here is evidence about real traders."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from clearway.demo_goods import DEMO_ECONOMIES, GOODS, declaration, party
from clearway.risk.decisions import model_records
from clearway.risk.history import to_canonical
from clearway.risk.model import PARAMS, FraudModel

DEMO_DECLARATIONS = 3000  # about 4,800 goods lines: well above the 50-row training minimum
RISKY_IMPORTERS = (7, 13, 42)
START = datetime(2026, 1, 5, tzinfo=UTC)  # a fixed window, so that the same seed trains the same model
DAYS = 180


def _undervalued(item: dict[str, Any]) -> bool:
    (lo, hi) = next(g[3] for g in GOODS if g[0] == item["hs_code"])
    unit = Decimal(item["value"]) / Decimal(item["quantity"])
    return unit < Decimal(str(lo + (hi - lo) * 0.1))


def _label(content: dict[str, Any], rng: random.Random) -> tuple[int, float]:
    """(irregular 0/1, extra duty raised): the planted patterns, each drawn with its own chance."""
    importer = int(content["importer"]["id"].rsplit("-", 1)[1])
    chance = 0.02
    if importer in RISKY_IMPORTERS or any(_undervalued(i) for i in content["items"]):
        chance = 0.6
    if rng.random() >= chance:
        return 0, 0.0
    value = sum(float(i["value"]) for i in content["items"])
    return 1, round(value * rng.uniform(0.08, 0.3), 2)


def history(*, declarations: int = DEMO_DECLARATIONS, seed: int = 2028):
    """The demo inspection history, one row per goods line, in the canonical training layout."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for n in range(declarations):
        economy = DEMO_ECONOMIES[n % len(DEMO_ECONOMIES)]
        at = START + timedelta(days=DAYS * n / declarations, hours=rng.randrange(24))
        content = declaration(economy, 9_000_000 + n, rng, arrival=at)
        fraud, extra = _label(content, rng)
        items = model_records(mrn=f"DEMOHIST{n:08d}", accepted_at=at, office=content["office"],
                              declarant=party(economy), content=content)
        total = sum(r["value"] or 0 for r in items) or 1.0
        for r in items:
            r.update(date=r["date"].isoformat(), fraud=fraud, severity=fraud,
                     revenue=extra * (r["value"] or 0) / total)
            rows.append(r)
    return to_canonical(pl.DataFrame(rows, infer_schema_length=None), source="demo history")


def ensure(directory: Path, *, seed: int = 2028) -> dict[str, Any]:
    """Train the demo model into `directory` unless a model is there already. A demo model found
    there is reused; any other model is a deployment's own and is left alone."""
    meta_file = directory / "metadata.json"
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text())
        return {"model": str(directory), "outcome": "demo model reused" if meta.get("demo") else
                "deployed model kept (not a demo model; not replaced)"}
    df = history(seed=seed)
    # One thread: on a busy machine LightGBM's threads wait on each other (28 s instead of 1 s, measured).
    model = FraudModel(params={**PARAMS, "num_threads": 1, "num_leaves": 15}, max_rounds=60, valid_fraction=0.2).fit(df)
    model.metadata["demo"] = {"seed": seed, "declarations": DEMO_DECLARATIONS,
                              "note": "trained on the invented demo inspection history (clearway.demo_model)"}
    model.save(directory)
    return {"model": str(directory), "outcome": "demo model trained", "rows": df.height,
            "irregular": int(df["fraud"].sum()), "rounds": model.metadata["rounds"],
            "auc_validation": round(model.metadata["metrics_validation"]["auc"], 3),
            "train_seconds": model.metadata["train_seconds"]}
