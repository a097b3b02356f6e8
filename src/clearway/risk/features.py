"""Feature engineering for the fraud model, on columns (Polars), the same for one row or a million.

- Low-cardinality codes (office, procedure, transport mode, tax type...) become LightGBM categories.
- Amounts become value per kg, its ratio to the usual value per kg of the same HS code from the same
  origin, logarithms and the fractional parts of the declared figures.
- Parties, goods and routes (importer, declarant, HS code x departure x origin, ...) become the
  smoothed fraud rate of their past inspections and how many there were (target encoding). On the
  training rows the rate is computed out of fold, so a row never sees its own label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

CATEGORICAL = ("office", "procedure", "import_type", "import_use", "payment_type", "transport_mode", "tax_type",
               "origin_indicator")
NUMERIC = ("tax_rate", "net_mass_kg", "value")
# target-encoded groups: name -> columns forming the key
GROUPS: dict[str, tuple[str, ...]] = {
    "declarant": ("declarant",), "importer": ("importer",), "seller": ("seller",), "courier": ("courier",),
    "hs": ("hs_code",), "office": ("office",), "origin": ("origin_country",), "departure": ("departure_country",),
    "tax_type": ("tax_type",),
    "importer_hs": ("importer", "hs_code"), "declarant_hs": ("declarant", "hs_code"),
    "hs_origin": ("hs_code", "origin_country"), "importer_declarant": ("importer", "declarant"),
    "hs_departure": ("hs_code", "departure_country"), "hs_tax_type": ("hs_code", "tax_type"),
    "origin_tax_type": ("origin_country", "tax_type"), "hs_origin_indicator": ("hs_code", "origin_indicator"),
    "hs_office": ("hs_code", "office"), "importer_origin": ("importer", "origin_country"),
    "hs4_origin": ("hs4", "origin_country"), "hs_departure_origin": ("hs_code", "departure_country", "origin_country"),
    "hs_tax_rate": ("hs_code", "tax_rate_text"), "departure_tax_type": ("departure_country", "tax_type"),
    "declarant_departure": ("declarant", "departure_country"),
}
DERIVED = ("unit_price", "unit_price_ratio", "log_value", "log_mass", "value_fraction", "mass_fraction",
           "tax_amount", "hs2", "hs4_num", "origin_is_departure")
SMOOTHING = 10.0
FOLDS = 5


@dataclass
class Encoders:
    """What the features need from the training rows (saved with the model)."""

    prior: float
    vocab: dict[str, list[str]]
    rates: dict[str, dict[str, tuple[float, float]]]  # group -> key -> (smoothed fraud rate, count)
    unit_price_median: dict[str, float]  # "hs|origin" and "hs" -> median value per kg
    _frames: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def feature_names(self) -> list[str]:
        names = list(CATEGORICAL) + list(NUMERIC) + list(DERIVED)
        for g in GROUPS:
            names += [f"rate_{g}", f"count_{g}"]
        return names

    def to_json(self) -> dict[str, Any]:
        return {"prior": self.prior, "vocab": self.vocab,
                "rates": {g: {k: [r, n] for k, (r, n) in t.items()} for g, t in self.rates.items()},
                "unit_price_median": self.unit_price_median}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Encoders:
        return cls(prior=data["prior"], vocab=data["vocab"],
                   rates={g: {k: (v[0], v[1]) for k, v in t.items()} for g, t in data["rates"].items()},
                   unit_price_median=data["unit_price_median"])

    def median_frame(self) -> pl.DataFrame:
        if "_median" not in self._frames:
            m = self.unit_price_median
            self._frames["_median"] = pl.DataFrame({"_key": list(m), "_usual": list(m.values())},
                                                   schema={"_key": pl.Utf8, "_usual": pl.Float64})
        return self._frames["_median"]

    def frame(self, group: str) -> pl.DataFrame:
        if group not in self._frames:
            t = self.rates[group]
            self._frames[group] = pl.DataFrame(
                {"_key": list(t), f"rate_{group}": [v[0] for v in t.values()],
                 f"count_{group}": [v[1] for v in t.values()]},
                schema={"_key": pl.Utf8, f"rate_{group}": pl.Float64, f"count_{group}": pl.Float64})
        return self._frames[group]


def _prepared(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        pl.col("hs_code").str.slice(0, 4).alias("hs4"),
        pl.col("tax_rate").round(3).cast(pl.Utf8).alias("tax_rate_text"),
        (pl.col("value") / pl.col("net_mass_kg").clip(lower_bound=0.001)).alias("unit_price"),
    )


def _key(cols: tuple[str, ...]) -> pl.Expr:
    return pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("-") for c in cols], separator="|").alias("_key")


def fit(df: pl.DataFrame, *, seed: int = 0) -> tuple[Encoders, np.ndarray]:
    """Fit the encoders on labelled rows; returns them and the training matrix (out-of-fold rates)."""
    d = _prepared(df)
    y = d["fraud"].cast(pl.Float64)
    prior = float(y.mean())
    vocab = {c: sorted(d[c].drop_nulls().unique().to_list()) for c in CATEGORICAL}
    rng = np.random.default_rng(seed)
    fold = pl.Series("_fold", rng.integers(0, FOLDS, d.height))
    rates: dict[str, dict[str, tuple[float, float]]] = {}
    oof: dict[str, pl.DataFrame] = {}
    for g, cols in GROUPS.items():
        k = d.select(_key(cols), y.alias("_y"), fold)
        total = k.group_by("_key").agg(pl.col("_y").sum().alias("_s"), pl.len().cast(pl.Float64).alias("_n"))
        t = total.with_columns(((pl.col("_s") + SMOOTHING * prior) / (pl.col("_n") + SMOOTHING)).alias("_r"))
        rates[g] = dict(zip(t["_key"].to_list(), zip(t["_r"].to_list(), t["_n"].to_list())))
        per_fold = k.group_by("_key", "_fold").agg(pl.col("_y").sum().alias("_sf"),
                                                   pl.len().cast(pl.Float64).alias("_nf"))
        o = (k.join(total, on="_key", how="left").join(per_fold, on=["_key", "_fold"], how="left")
             .select(((pl.col("_s") - pl.col("_sf") + SMOOTHING * prior)
                      / (pl.col("_n") - pl.col("_nf") + SMOOTHING)).alias(f"rate_{g}"),
                     ((pl.col("_n") - pl.col("_nf")) * FOLDS / (FOLDS - 1)).alias(f"count_{g}")))
        oof[g] = o
    up = d.filter(pl.col("unit_price").is_finite() & (pl.col("net_mass_kg") > 0))
    med = {}
    for cols in (("hs_code",), ("hs_code", "origin_country")):
        m = up.group_by(_key(cols)).agg(pl.col("unit_price").median())
        med.update(dict(zip(m["_key"].to_list(), m["unit_price"].to_list())))
    enc = Encoders(prior=prior, vocab=vocab, rates=rates, unit_price_median=med)
    return enc, _matrix(enc, d, oof)


def transform(enc: Encoders, df: pl.DataFrame) -> np.ndarray:
    """The feature matrix of rows to score (rates from the training rows)."""
    d = _prepared(df)
    looked = {}
    for g, cols in GROUPS.items():
        looked[g] = (d.select(_key(cols)).join(enc.frame(g), on="_key", how="left", maintain_order="left")
                     .select(pl.col(f"rate_{g}").fill_null(enc.prior), pl.col(f"count_{g}").fill_null(0.0)))
    return _matrix(enc, d, looked)


def _matrix(enc: Encoders, d: pl.DataFrame, groups: dict[str, pl.DataFrame]) -> np.ndarray:
    cats = [d[c].cast(pl.Utf8).replace_strict(enc.vocab[c], list(range(len(enc.vocab[c]))), default=None,
                                              return_dtype=pl.Float64).alias(c) for c in CATEGORICAL]
    meds = enc.median_frame()
    by_origin = d.select(_key(("hs_code", "origin_country"))).join(meds, on="_key", how="left",
                                                                   maintain_order="left")["_usual"]
    by_hs = d.select(_key(("hs_code",))).join(meds, on="_key", how="left", maintain_order="left")["_usual"]
    usual = by_origin.fill_null(by_hs)
    derived = d.select(
        pl.col("unit_price"),
        (pl.col("unit_price") / pl.lit(usual).clip(lower_bound=1e-9)).alias("unit_price_ratio"),
        pl.col("value").log1p().alias("log_value"),
        pl.col("net_mass_kg").log1p().alias("log_mass"),
        (pl.col("value") - pl.col("value").floor()).alias("value_fraction"),
        (pl.col("net_mass_kg") - pl.col("net_mass_kg").floor()).alias("mass_fraction"),
        (pl.col("value") * pl.col("tax_rate") / 100).alias("tax_amount"),
        pl.col("hs_code").str.slice(0, 2).cast(pl.Float64, strict=False).alias("hs2"),
        pl.col("hs_code").str.slice(0, 4).cast(pl.Float64, strict=False).alias("hs4_num"),
        (pl.col("origin_country") == pl.col("departure_country")).cast(pl.Float64).alias("origin_is_departure"),
    )
    parts = [pl.DataFrame(cats), d.select([pl.col(c).cast(pl.Float64) for c in NUMERIC]), derived]
    parts += [groups[g] for g in GROUPS]
    out = pl.concat(parts, how="horizontal")
    return out.to_numpy().astype(np.float64, copy=False)


def categorical_indices() -> list[int]:
    return list(range(len(CATEGORICAL)))


# ---- one declaration at a time (same features, plain Python: no frame overhead) -------------------

_NAN = float("nan")


def _num(v: Any) -> float:
    return _NAN if v is None else float(v)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float):
        return repr(round(v, 3)) if v == v else None
    return str(v)


def _k(values: list[Any]) -> str:
    return "|".join("-" if v is None else (v if isinstance(v, str) else _text(v) or "-") for v in values)


def transform_records(enc: Encoders, rows: list[dict[str, Any]]) -> np.ndarray:
    """`transform` for a few rows given as dicts in the canonical layout (the per-declaration
    path). Tests hold it equal to the column path."""
    index = enc._frames.get("_index")  # type: ignore[assignment]
    if index is None:
        index = enc._frames["_index"] = {c: {v: float(i) for i, v in enumerate(enc.vocab[c])}  # type: ignore
                                         for c in CATEGORICAL}
    out = np.empty((len(rows), len(enc.feature_names)), dtype=np.float64)
    for r_i, r in enumerate(rows):
        row: list[float] = []
        for c in CATEGORICAL:
            v = r.get(c)
            row.append(_NAN if v is None else index[c].get(str(v), _NAN))
        tax, mass, value = _num(r.get("tax_rate")), _num(r.get("net_mass_kg")), _num(r.get("value"))
        row += [tax, mass, value]
        hs = r.get("hs_code") or ""
        origin, dep = r.get("origin_country"), r.get("departure_country")
        unit = value / max(mass, 0.001) if mass == mass else _NAN
        usual = enc.unit_price_median.get(_k([hs, origin]))
        if usual is None:
            usual = enc.unit_price_median.get(_k([hs]))
        ratio = unit / max(usual, 1e-9) if usual is not None else _NAN
        row += [unit, ratio, float(np.log1p(value)), float(np.log1p(mass)),
                value - np.floor(value), mass - np.floor(mass), value * tax / 100,
                float(hs[:2]) if hs[:2].isdigit() else _NAN, float(hs[:4]) if hs[:4].isdigit() else _NAN,
                _NAN if origin is None or dep is None else float(origin == dep)]
        extra = {"hs4": hs[:4] if hs else None,
                 "tax_rate_text": None if tax != tax else _text(round(tax, 3))}
        for g, cols in GROUPS.items():
            key = _k([extra[c] if c in extra else r.get(c) for c in cols])
            hit = enc.rates[g].get(key)
            row += [hit[0], hit[1]] if hit else [enc.prior, 0.0]
        out[r_i] = row
    return out
