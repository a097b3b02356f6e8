"""One Settings: every CLEARWAY_* variable is checked at start-up, and a bad one is refused by name."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from clearway.app import create_app
from clearway.certificates.matching import policy_for
from clearway.config import Settings, SettingsError, get_settings
from tests.cli_support import NO_DATA_DIR

BAD = [
    ("CLEARWAY_PHYTO_TOLERANCE", "five percent", "is not a number"),
    ("CLEARWAY_PHYTO_TOLERANCE", "1.5", "is not a fraction"),
    ("CLEARWAY_PHYTO_TOLERANCE", "-0.01", "is not a fraction"),
    ("CLEARWAY_PHYTO_TOLERANCE", "NaN", "is not a fraction"),
    ("CLEARWAY_PHYTO_HS", "0804,fruit", "'fruit' is not an HS prefix"),
    ("CLEARWAY_PHYTO_HS", "0804,,06", "'' is not an HS prefix"),
    ("CLEARWAY_THREADS", "eight", "is not a whole number"),
    ("CLEARWAY_THREADS", "-1", "is not a whole number"),
    ("CLEARWAY_SEALS_RULES", "/nonexistent/seals.toml", "is not a readable file"),
    ("CLEARWAY_HUB_URL", "hub.example:8443", "is not an http:// or https:// URL"),
    ("CLEARWAY_WCO_CALLBACK_HOSTS", "http://127.0.0.1", "is not a host name or address"),
    ("CLEARWAY_WCO_CALLBACK_HOSTS", "127.0.0.1:8080", "is not a host name or address"),
    ("CLEARWAY_WCO_PUSH_SECONDS", "soon", "is not a number of seconds"),
    ("CLEARWAY_WCO_PUSH_SECONDS", "-5", "is not a number of seconds"),
]


@pytest.mark.parametrize(("name", "value", "reason"), BAD)
def test_a_bad_variable_is_refused_by_name(monkeypatch, name, value, reason):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        Settings()
    assert caught.value.variable == name
    assert str(caught.value).startswith(f"{name}: ") and reason in str(caught.value)


def test_a_bad_tolerance_is_no_longer_silently_ignored(monkeypatch):
    # Regression: policy_for() used to fall back to the packaged 0.05 when the override did not parse.
    monkeypatch.setenv("CLEARWAY_PHYTO_TOLERANCE", "5%")
    with pytest.raises(SettingsError, match="CLEARWAY_PHYTO_TOLERANCE"):
        policy_for("AU")


def test_good_values_are_typed(monkeypatch, tmp_path):
    rules = tmp_path / "seals.toml"
    rules.write_text("")
    for name, value in {"CLEARWAY_PHYTO_TOLERANCE": "0.02", "CLEARWAY_PHYTO_HS": " 06, 0804 ",
                        "CLEARWAY_THREADS": "4", "CLEARWAY_SEALS_RULES": str(rules),
                        "CLEARWAY_RISK_MODEL": str(tmp_path / "model"), "CLEARWAY_HUB_URL": "http://127.0.0.1:9/hub",
                        "CLEARWAY_HUB_TOKEN": "t0ken", "CLEARWAY_DATA_DIR": str(tmp_path),
                        "CLEARWAY_WCO_CALLBACK_HOSTS": " 127.0.0.1, Receiver.example ",
                        "CLEARWAY_WCO_PUSH_SECONDS": "0.5"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CLEARWAY_HUB_DATABASE_URL", raising=False)
    settings = get_settings()
    assert settings.phyto_tolerance == Decimal("0.02") and settings.phyto_hs == ("06", "0804")
    assert settings.threads == 4 and settings.seals_rules == rules
    assert settings.wco_callback_hosts == ("127.0.0.1", "receiver.example") and settings.wco_push_seconds == 0.5
    assert settings.model_dir == tmp_path / "model"
    assert (settings.hub_url, settings.hub_token) == ("http://127.0.0.1:9/hub", "t0ken")
    assert settings.hub_db_url == f"sqlite:///{tmp_path.resolve() / 'hub.db'}"
    policy = policy_for("AU")
    assert policy.tolerance == Decimal("0.02") and policy.hs_prefixes == ("06", "0804")


def test_unset_variables_keep_the_defaults(monkeypatch, tmp_path):
    for name in ("CLEARWAY_PHYTO_TOLERANCE", "CLEARWAY_PHYTO_HS", "CLEARWAY_THREADS", "CLEARWAY_SEALS_RULES",
                 "CLEARWAY_RISK_MODEL", "CLEARWAY_HUB_URL", "CLEARWAY_HUB_TOKEN", "CLEARWAY_HUB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLEARWAY_THREADS", "  ")  # blank counts as unset
    monkeypatch.setenv("CLEARWAY_DATA_DIR", str(tmp_path))
    settings = get_settings()
    assert (settings.threads, settings.phyto_hs, settings.phyto_tolerance, settings.seals_rules) == (0, None, None, None)
    assert settings.model_dir == tmp_path.resolve() / "risk" / "model"
    # The packaged list (certificates/data/phyto_requirements.json) applies.
    assert policy_for("AU").tolerance == Decimal("0.05")


def test_the_server_refuses_to_start(monkeypatch):
    monkeypatch.setenv("CLEARWAY_THREADS", "many")
    with pytest.raises(SettingsError, match="^CLEARWAY_THREADS: 'many' is not a whole number"):
        create_app()


def test_a_command_exits_2_with_one_line_naming_the_variable():
    env = {"PATH": "/usr/bin:/bin", "CLEARWAY_DATA_DIR": str(NO_DATA_DIR), "CLEARWAY_PHYTO_TOLERANCE": "lots"}
    done = subprocess.run([sys.executable, "-m", "clearway", "hs", "search", "mango"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "error: CLEARWAY_PHYTO_TOLERANCE: 'lots' is not a number (a fraction, e.g. 0.05)"
    assert done.stdout == ""
