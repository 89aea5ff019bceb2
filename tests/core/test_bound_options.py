"""The bounds of a shared server from `serve` options and MAILTWIN_* variables."""

from __future__ import annotations

import pytest

from mailtwin import Config
from mailtwin.cli import build_parser, main
from mailtwin.sharing import SETTINGS, overrides


def test_every_setting_has_an_option_and_a_variable() -> None:
    fields = {s.field for s in SETTINGS}
    assert fields <= set(Config.__dataclass_fields__)
    assert {"control_token", "allowed_hosts", "journal_max_bytes", "journal_body_bytes",
            "max_tenants", "tenant_idle_seconds", "max_records", "max_snapshots",
            "max_snapshot_bytes", "link_seconds", "max_links", "auth", "max_credentials",
            "max_tokens", "webhook_hosts", "webhook_timeout", "webhook_log_limit",
            "webhook_log_bytes", "webhook_max_pending", "webhook_pending_bytes",
            "outbox_max_messages", "outbox_max_bytes", "outbox_total_bytes"} == fields


def test_serve_options_become_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(f"MAILTWIN_{setting.env}", raising=False)
    args = build_parser().parse_args([
        "serve", "--max-tenants", "5", "--journal-max-bytes", "1000", "--tenant-idle-seconds",
        "2.5", "--link-seconds", "60"])
    config = Config.from_env(**overrides(args))
    assert (config.max_tenants, config.journal_max_bytes) == (5, 1000)
    assert (config.tenant_idle_seconds, config.link_seconds) == (2.5, 60.0)
    assert config.max_records == 200_000


def test_variables_become_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILTWIN_MAX_RECORDS", "1000")
    monkeypatch.setenv("MAILTWIN_LINK_SECONDS", "90.5")
    config = Config.from_env()
    assert (config.max_records, config.link_seconds) == (1000, 90.5)


@pytest.mark.parametrize(("name", "value", "words"), [
    ("MAX_TENANTS", "many", "MAILTWIN_MAX_TENANTS='many'"),
    ("MAX_TENANTS", "0", "max_tenants must be at least 1"),
    ("TENANT_IDLE_SECONDS", "-1", "must be a number of seconds"),
    ("JOURNAL_BODY_BYTES", "-5", "must not be negative"),
])
def test_a_bad_variable_stops_serve_with_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str,
        value: str, words: str) -> None:
    monkeypatch.setenv(f"MAILTWIN_{name}", value)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mailtwin: ") and words in err
    assert len(err.strip().splitlines()) == 1
