"""The demo fraud model's history and training (clearway.demo_model), without a database."""

from __future__ import annotations

import json
from pathlib import Path

from clearway import demo_model


def test_demo_history_is_reproducible_and_above_the_training_minimum():
    small = demo_model.history(declarations=200)
    assert small.equals(demo_model.history(declarations=200))  # seeded: the same rows every time
    assert small.height > 50 and set(small["fraud"].unique()) == {0, 1}
    assert str(small["date"].min()) == "2026-01-05"


def test_a_deployed_model_is_never_replaced_by_the_demo(tmp_path: Path):
    (tmp_path / "metadata.json").write_text(json.dumps({"rounds": 40}))
    assert demo_model.ensure(tmp_path)["outcome"] == "deployed model kept (not a demo model; not replaced)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metadata.json"]
    assert json.loads((tmp_path / "metadata.json").read_text()) == {"rounds": 40}
