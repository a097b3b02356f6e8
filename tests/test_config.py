"""One Settings: every CLEARWAY_* variable is checked at start-up, and a bad one is refused by name."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.app import create_app
from clearway.certificates.matching import policy_for
from clearway.cli import command
from clearway.config import VARIABLES, Settings, SettingsError, get_settings, variable
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
    ("CLEARWAY_BATCH_HELPERS", "two", "is not a whole number of processes"),
    ("CLEARWAY_BATCH_HELPERS", "65", "is not a whole number of processes"),
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


def _readme_variables() -> list[str]:
    """The first column of the README's Configuration table."""
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(CLEARWAY_[A-Z0-9_]+)` \|", section, flags=re.M)


def test_the_readme_table_is_the_settings_model_both_ways():
    documented = _readme_variables()
    assert len(documented) == len(set(documented)), "a variable is listed twice"
    declared = {variable(name) for name in Settings.model_fields}
    assert declared - set(documented) == set(), "undocumented: add a README row"
    assert set(documented) - declared == set(), "documented but no field of Settings"


def test_every_clearway_variable_named_in_the_code_is_a_setting():
    """No CLEARWAY_* variable read anywhere but through the model (options given by the environment included)."""
    src = Path(__file__).resolve().parent.parent / "src" / "clearway"
    named = {m for path in src.rglob("*.py") for m in re.findall(r"\bCLEARWAY_[A-Z0-9_]*[A-Z0-9]\b", path.read_text())}
    assert named - set(VARIABLES) == set()
    tree = command()
    envvars = set()
    stack = [tree]
    while stack:
        cmd = stack.pop()
        envvars |= {p.envvar for p in cmd.params if isinstance(getattr(p, "envvar", None), str)}
        stack.extend(getattr(cmd, "commands", {}).values())
    assert envvars and envvars - set(VARIABLES) == set()


def test_an_option_from_the_environment_is_checked_by_the_model():
    env = {"PATH": "/usr/bin:/bin", "CLEARWAY_DATA_DIR": str(NO_DATA_DIR), "CLEARWAY_LOG_FORMAT": "xml"}
    done = subprocess.run([sys.executable, "-m", "clearway", "serve", "--port", "1"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert (done.returncode, done.stderr) == (2, "error: CLEARWAY_LOG_FORMAT: 'xml' is not one of json, text\n")


def test_threads_abc_is_one_line_not_a_traceback():
    env = {"PATH": "/usr/bin:/bin", "CLEARWAY_DATA_DIR": str(NO_DATA_DIR), "CLEARWAY_THREADS": "abc"}
    done = subprocess.run([sys.executable, "-m", "clearway", "serve", "--port", "1"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: CLEARWAY_THREADS: 'abc' is not a whole number of threads (0 = the default)\n"


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("CLEARWAY_DB_POOL", "0", "'0' is not a whole number from 1"),
    ("CLEARWAY_MAX_BODY_BYTES", "1MB", "'1MB' is not a whole number from 1"),
    ("CLEARWAY_MQTT", "broker", "'broker' is not a broker HOST:PORT"),
    ("CLEARWAY_SECRET_KEY", "short", "is not a key of 32 bytes"),
    ("CLEARWAY_RATE_LIMIT", "fast", "'fast' is not COUNT/SECONDS"),
])
def test_more_bad_values(monkeypatch, name, value, reason):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        Settings()
    assert caught.value.variable == name and reason in caught.value.reason


def test_audit_key_and_its_file_are_not_both_set(monkeypatch, tmp_path):
    key = tmp_path / "audit.pem"
    key.write_text("PEM TEXT")
    monkeypatch.setenv("CLEARWAY_AUDIT_KEY_FILE", str(key))
    assert Settings().audit_key == "PEM TEXT"
    monkeypatch.setenv("CLEARWAY_AUDIT_KEY", "other")
    with pytest.raises(SettingsError, match="^CLEARWAY_AUDIT_KEY_FILE: set CLEARWAY_AUDIT_KEY or"):
        Settings()


def test_keyword_arguments_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CLEARWAY_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("CLEARWAY_MQTT", "broker.example:1883")
    settings = Settings(data_dir=tmp_path, database_url="sqlite://", mqtt=None)
    assert (settings.database_url, settings.mqtt, settings.data_dir) == ("sqlite://", None, tmp_path.resolve())
    monkeypatch.delenv("CLEARWAY_DATABASE_URL")
    assert Settings(data_dir=tmp_path).database_url == f"sqlite:///{tmp_path.resolve() / 'clearway.db'}"


def test_the_settings_are_read_again_when_a_variable_changes_and_kept_while_none_does(monkeypatch):
    monkeypatch.delenv("CLEARWAY_DB_POOL", raising=False)
    before = get_settings()
    assert get_settings() is before and before.db_pool == 10
    monkeypatch.setenv("CLEARWAY_DB_POOL", "7")
    changed = get_settings()
    assert changed is not before and changed.db_pool == 7 and get_settings() is changed
    monkeypatch.setenv("CLEARWAY_DB_POOL", "8")  # (set, changed and taken away: each seen at the next call)
    assert get_settings().db_pool == 8
    monkeypatch.delenv("CLEARWAY_DB_POOL")
    assert get_settings() is before
