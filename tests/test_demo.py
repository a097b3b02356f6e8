"""`clearway demo load` as a user runs it (issue 9): run twice it made a new set of keys, it had no
NPPO key, and with no fraud model (and a history below the training minimum) no lane showed a
model's reasons. Real processes, real databases, a temporary data directory."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from clearway.auth.models import ApiKey
from clearway.declarations.models import Declaration
from clearway.risk.models import LaneDecisionRow
from tests.cli_support import run

DEMO_KEYS = 19  # admin, and a declarant, an officer and an NPPO for each of the six demo economies


def _count(db, model) -> int:
    with db.factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_demo_load_twice_reuses_its_keys_and_its_lanes_show_the_model(db, tmp_path: Path):
    first = run(db, "demo", "load", "--declarations", "24", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    made = json.loads(first.stdout)
    assert (made["declarations"]["lodged"], made["declarations"]["already_there"]) == (24, 0)
    assert 0 < made["declarations"]["assessed"] <= 24 and made["declarations"]["paid"] <= made["declarations"]["assessed"]
    with db.factory() as s:
        assert {"accepted", "released"} <= set(s.scalars(select(Declaration.status)))
    assert made["keys_file"] == str(tmp_path / "demo-keys.json")
    assert json.loads((tmp_path / "demo-keys.json").read_text())["keys"] == made["keys"]
    assert len(made["keys"]) == DEMO_KEYS and _count(db, ApiKey) == DEMO_KEYS
    assert made["key_counts"] == {"reused": 0, "created": DEMO_KEYS, "replaced": 0, "nppo_signing_keys": 6}

    # the NPPO key is an NPPO's
    with db.factory() as s:
        from clearway.auth.service import authenticate

        nppo = authenticate(s, made["keys"]["nppo_au"])
    assert (nppo.role, nppo.economy, nppo.party_id) == ("nppo", "AU", "NPPO-AU")

    # the demo model was trained above the minimum, and the lanes used it, with its reasons
    assert made["model"]["outcome"] == "demo model trained" and made["model"]["rows"] > 50
    assert json.loads((tmp_path / "risk" / "model" / "metadata.json").read_text())["demo"]["seed"] == 2028
    with db.factory() as s:
        decisions = list(s.scalars(select(LaneDecisionRow)))
    assert decisions and all(d.model_version and d.probability is not None for d in decisions)
    by_score = [d for d in decisions if d.basis == "score"]
    assert by_score, [(d.lane, d.basis, d.probability) for d in decisions]
    for d in by_score:
        assert d.lane in ("red", "yellow") and d.reasons[0].startswith("rank ")
        assert d.model_reasons and all(r["text"] for r in d.model_reasons)
    assert any("below the usual for" in r["text"] for d in by_score for r in d.model_reasons)  # the planted pattern

    # again, without being told where the keys are: the same keys, nothing lodged twice
    second = run(db, "demo", "load", "--declarations", "24", data_dir=tmp_path)
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["keys"] == made["keys"] and again["declarations"] == {"lodged": 0, "already_there": 24}
    assert again["key_counts"] == {"reused": DEMO_KEYS, "created": 0, "replaced": 0, "nppo_signing_keys": 0}
    assert again["model"]["outcome"] == "demo model reused"
    assert (_count(db, ApiKey), _count(db, Declaration), _count(db, LaneDecisionRow)) == (
        DEMO_KEYS, 24, len(decisions))

    # the keys file lost: new keys, and the lost ones revoked (one working key per demo name)
    (tmp_path / "demo-keys.json").unlink()
    third = json.loads(run(db, "demo", "load", "--declarations", "24", data_dir=tmp_path).stdout)
    assert third["key_counts"]["replaced"] == DEMO_KEYS and set(third["keys"].values()).isdisjoint(made["keys"].values())
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))) == DEMO_KEYS
