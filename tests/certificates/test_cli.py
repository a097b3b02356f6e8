"""The command line: NPPO keys, trust, validation, hub registration (exit codes and output)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from clearway import cli_common
from clearway.cli import app
from tests.certificates.factories import DATA


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEARWAY_DATABASE_URL", f"sqlite:///{tmp_path / 'node.db'}")
    monkeypatch.setenv("CLEARWAY_HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setattr(cli_common, "_factory", None)
    runner = CliRunner()
    yield lambda *args, **kw: runner.invoke(app, list(args), catch_exceptions=False, **kw)
    monkeypatch.setattr(cli_common, "_factory", None)


def test_keys_trust_and_validate(run, tmp_path):
    made = run("nppo", "keys", "create", "--economy", "th", "--party", "NPPO-TH")
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith("-----BEGIN CERTIFICATE-----")
    shown = run("nppo", "keys", "show", "--economy", "TH")
    assert shown.stdout == made.stdout
    pem = tmp_path / "th.pem"
    pem.write_text(made.stdout)
    bad = run("nppo", "trust", "add", "--economy", "VN", "--cert", str(pem))
    assert bad.exit_code == 2 and "does not match the certificate's country TH" in bad.output
    ok = run("nppo", "trust", "add", "--economy", "TH", "--cert", str(pem))
    assert ok.exit_code == 0 and "trusted" in ok.stdout
    assert run("nppo", "keys", "create", "--economy", "ZZ", "--party", "X").exit_code == 2
    assert run("nppo", "keys", "show", "--economy", "AU").exit_code == 2
    valid = run("certificates", "validate", str(DATA / "SPSCertificate-signed.xml"))
    assert valid.exit_code == 0 and "valid" in valid.stdout
    invalid = run("certificates", "validate", str(DATA / "mattilsynet-SPSCertificateContent.xml"))
    assert invalid.exit_code == 1 and "SEVERE" in invalid.stdout and "line    84" in invalid.stdout


def test_hub_add_nppo_prints_a_token(run):
    r = run("hub", "add-nppo", "--country", "AU")
    assert r.exit_code == 0 and r.stdout.strip().startswith("hub_")
    assert run("hub", "add-nppo", "--country", "FR").exit_code == 2


def test_exchange_reports_an_unreachable_hub_and_keeps_the_outbox(run):
    run("nppo", "keys", "create", "--economy", "TH", "--party", "NPPO-TH")
    r = run("certificates", "exchange", "--hub", "http://127.0.0.1:9/hub/DeliveryService", "--token", "t",
            "--economy", "TH")
    assert r.exit_code == 0 and '"error"' in r.stdout and "did not answer" in r.stdout
