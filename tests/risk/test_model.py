"""The fraud model on small data: reading histories, features, training, scoring, reasons, metrics."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from clearway.errors import Invalid
from clearway.risk import features
from clearway.risk.history import read_history
from clearway.risk.metrics import report, top_share
from clearway.risk.model import FraudModel, threshold
from clearway.risk.scoring import evaluate, score_records
from tests.risk.support import TRAIN, VALID


def test_kcs_history_is_read_into_the_canonical_layout(train_history):
    df = train_history
    assert df.height == 2400
    assert df["date"].dtype == pl.Date and df["date"].is_sorted()
    assert df["hs_code"].str.len_chars().unique().to_list() == [6]
    # HS codes keep their leading zeros (chapter 01-09 goods)
    raw = pl.read_csv(TRAIN, infer_schema=False)
    assert sorted(raw["HS6 Code"].to_list()) == sorted(df["hs_code"].to_list())
    assert sorted(df["severity"].to_list()) == sorted(raw["Critical Fraud"].cast(pl.Int8).to_list())
    assert set(df["fraud"].unique().to_list()) == {0, 1}
    assert df["revenue"].null_count() == df.height  # the KCS layout has no revenue


def test_a_history_without_a_required_column_is_refused_naming_it(tmp_path):
    bad = tmp_path / "h.csv"
    bad.write_text("declaration_id,date,fraud\n1,2021-01-01,0\n")
    with pytest.raises(Invalid) as exc:
        read_history([bad])
    assert [e.path for e in exc.value.errors] == ["hs_code"]


def test_a_bad_number_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "h.csv"
    bad.write_text("declaration_id,date,hs_code,value,fraud\n1,2021-01-01,610910,12.5,0\n2,2021-01-02,610910,abc,1\n")
    with pytest.raises(Invalid) as exc:
        read_history([bad])
    assert exc.value.errors[0].path == "value" and "line 3" in exc.value.errors[0].reason


def test_out_of_fold_rates_never_see_their_own_label():
    # one importer, one row: its out-of-fold rate can only be the prior
    df = pl.DataFrame({"declaration_id": ["a", "b", "c", "d"], "hs_code": ["610910"] * 4,
                       "importer": ["X", "Y", "Y", "Y"], "fraud": [1, 0, 0, 0]})
    from clearway.risk.history import to_canonical

    enc, x = features.fit(to_canonical(df.with_columns(pl.lit("2021-01-01").alias("date"))))
    col = enc.feature_names.index("rate_importer")
    assert x[0, col] == pytest.approx(enc.prior)  # X's own fraud is not in its rate
    assert enc.rates["importer"]["X"][0] == pytest.approx((1 + 10 * 0.25) / (1 + 10))


def test_single_row_path_equals_column_path(small_model, valid_history):
    x_cols = features.transform(small_model.encoders, valid_history)
    x_rows = features.transform_records(small_model.encoders, valid_history.to_dicts())
    np.testing.assert_array_equal(np.isnan(x_cols), np.isnan(x_rows))
    np.testing.assert_allclose(np.nan_to_num(x_cols), np.nan_to_num(x_rows), rtol=1e-12)


def test_model_artefact_carries_its_metadata(model_dir):
    meta = json.loads((model_dir / "metadata.json").read_text())
    assert meta["features"] == features.Encoders(0, {}, {}, {}).feature_names
    assert meta["training_window"] == {"from": "2020-01-01", "to": "2020-12-31", "rows": 2400, "frauds": 494}
    assert meta["validation"]["from"] >= "2020-09-01"  # the latest fifth by date
    assert {"lightgbm", "scikit-learn"} <= set(meta["library"])
    assert 30 <= meta["rounds"] <= 60
    assert set(meta["metrics_validation"]) >= {"auc", "precision@5", "recall@10"}
    q = meta["score_quantiles"]
    assert threshold(q, 0.03) >= threshold(q, 0.11)


def test_saved_and_loaded_model_score_the_same(small_model, model_dir, valid_history):
    again = FraudModel.load(model_dir)
    np.testing.assert_allclose(again.predict_proba(valid_history), small_model.predict_proba(valid_history))


def test_model_beats_chance_on_a_later_quarter(small_model, valid_history):
    result = evaluate(small_model, valid_history)
    assert result["n"] == 600 and result["frauds"] == int(valid_history["fraud"].sum())
    assert result["auc"] > 0.6
    assert result["precision@10"] > valid_history["fraud"].mean()


def test_reasons_are_in_officer_language(small_model, valid_history):
    top = valid_history.with_columns(pl.Series("p", small_model.predict_proba(valid_history)[:, 1])) \
        .sort("p", descending=True).head(5).drop("p")
    scores = score_records(small_model, top.to_dicts())
    assert all(s.probability > 0.3 for s in scores)
    for s in scores:
        assert 1 <= len(s.reasons) <= 3
        assert all(r["contribution"] > 0 for r in s.reasons)
        assert [r["contribution"] for r in s.reasons] == sorted([r["contribution"] for r in s.reasons], reverse=True)
        assert all(isinstance(r["text"], str) and "{" not in r["text"] for r in s.reasons)


def test_value_per_kg_reason_names_the_shortfall(small_model):
    from clearway.risk.reasons import explain

    names = small_model.encoders.feature_names
    rec = {"hs_code": "610910", "origin_country": "VN", "value": 20.0, "net_mass_kg": 10.0}
    x = np.full(len(names), np.nan)
    x[names.index("unit_price_ratio")] = 0.2
    contrib = np.zeros(len(names) + 1)
    contrib[names.index("unit_price")] = 1.5
    reasons = explain(contrib, x, rec, names, 0.2)
    assert reasons[0]["text"] == "value per kg 80% below the usual for 610910 from VN"


def test_precision_and_recall_at_top_share():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1] * 10)
    s = np.linspace(1, 0, 100)  # the rows in their order
    r = report(y, s)
    assert r["n"] == 100 and r["frauds"] == 30
    assert r["precision@1"] == 1.0 and r["recall@1"] == pytest.approx(1 / 30)
    assert r["precision@5"] == pytest.approx(2 / 5) and r["recall@10"] == pytest.approx(3 / 30)
    assert top_share(s, 2).sum() == 2


def test_revenue_ranking_when_the_history_has_revenue(train_history, valid_history):
    def with_revenue(df):
        return df.with_columns((pl.col("fraud") * pl.col("value") * 0.3).alias("revenue"))

    model = FraudModel(max_rounds=40).fit(with_revenue(train_history))
    assert model.revenue_booster is not None and model.metadata["revenue_model"]
    v = with_revenue(valid_history)
    by_prob = evaluate(model, v, ranking="probability")
    by_rev = evaluate(model, v, ranking="revenue")
    assert by_rev["ranking"] == "revenue" and "revenue@5" in by_rev
    assert by_rev["revenue@10"] != by_prob["revenue@10"]
    ev = model.expected_revenue(v)
    assert ev is not None and (ev >= 0).all()


def test_revenue_ranking_is_refused_without_revenue(small_model, valid_history):
    with pytest.raises(Invalid) as exc:
        small_model.rank_key(valid_history, "revenue")
    assert exc.value.errors[0].path == "ranking"


def test_cli_train_and_evaluate_json(tmp_path):
    from clearway.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["risk", "train", "--history", str(TRAIN), "--out", str(tmp_path / "m"), "--rounds", "40"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["risk", "evaluate", "--model", str(tmp_path / "m"), "--history", str(VALID), "--json"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    assert result["n"] == 600
    for k in ("frauds", "auc", "precision@1", "precision@2", "precision@5", "precision@10", "recall@1", "recall@10"):
        assert k in result
    r = runner.invoke(app, ["risk", "evaluate", "--model", str(tmp_path / "nope"), "--history", str(VALID), "--json"])
    assert r.exit_code == 2 and "model" in r.output


def test_path_contributions_add_up_to_the_raw_score(small_model, valid_history):
    from clearway.risk.paths import PathExplainer

    x = features.transform(small_model.encoders, valid_history)
    assert np.isnan(x).any()  # unseen codes and missing values take the default branches
    paths = PathExplainer(small_model.booster)
    contrib = np.array([paths.contributions(row) for row in x])
    raw = small_model.booster.predict(x, raw_score=True)
    np.testing.assert_allclose(contrib.sum(axis=1), raw, atol=1e-9)
    shap = small_model.contributions(x[:1])  # same layout as LightGBM's pred_contrib
    assert shap.shape == (1, contrib.shape[1])


def test_cli_score_writes_probabilities_and_reasons(model_dir, tmp_path):
    from clearway.cli import app

    out = tmp_path / "scores.csv"
    r = CliRunner().invoke(app, ["risk", "score", "--model", str(model_dir), "--history", str(VALID), "--out", str(out),
                                 "--reasons", "5"])
    assert r.exit_code == 0, r.output
    scores = pl.read_csv(out, schema_overrides={"hs_code": pl.Utf8, "declaration_id": pl.Utf8})
    assert scores.height == 600 and scores["probability"].is_between(0, 1).all()
    explained = scores.filter(pl.col("reasons").is_not_null() & (pl.col("reasons") != ""))
    assert explained.height == 5
    assert explained["probability"].min() >= scores["probability"].sort(descending=True)[4]


def _records():
    from hypothesis import strategies as st

    code = st.none() | st.sampled_from(["10", "20", "30", "A", "B", "11", "x"])
    party = st.none() | st.sampled_from(["QLRUBN9", "ZZR1LT6", "unknown", "7JD1S2X"])
    country = st.none() | st.sampled_from(["CN", "BE", "US", "KR", "ZZ"])
    number = st.none() | st.floats(min_value=0, max_value=1e9, allow_nan=False) | st.sampled_from([0.0, 8.0, 6.5])
    return st.fixed_dictionaries({
        "declaration_id": st.just("1"), "hs_code": st.sampled_from(["440890", "690722", "610910", "010121"]),
        "office": code, "procedure": code, "import_type": code, "import_use": code, "payment_type": code,
        "transport_mode": code, "tax_type": code, "origin_indicator": code, "declarant": party, "importer": party,
        "seller": party, "courier": party, "departure_country": country, "origin_country": country,
        "tax_rate": number, "net_mass_kg": number, "value": number})


def test_both_feature_paths_agree_on_any_record(small_model):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from clearway.risk.history import CANONICAL, to_canonical

    @settings(max_examples=150, deadline=None)
    @given(st.lists(_records(), min_size=1, max_size=5))
    def check(records):
        frame = pl.DataFrame(records, schema={c: (pl.Utf8 if CANONICAL[c][0] == pl.Utf8 else pl.Float64)
                                              for c in records[0]})
        frame = to_canonical(frame.with_columns(pl.lit("2021-01-01").alias("date")), require_labels=False)
        x_cols = features.transform(small_model.encoders, frame)
        x_rows = features.transform_records(small_model.encoders, frame.to_dicts())
        np.testing.assert_array_equal(np.isnan(x_cols), np.isnan(x_rows))
        np.testing.assert_allclose(np.nan_to_num(x_cols), np.nan_to_num(x_rows), rtol=1e-12)

    check()
