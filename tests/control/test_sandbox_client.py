"""The `Sandbox` client itself: construction, clock helpers, clients per provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailtwin import MailtwinApp, Sandbox, SandboxError


def test_needs_a_url_or_an_app(mailtwin_app: MailtwinApp) -> None:
    with pytest.raises(ValueError, match="give a server URL or an app"):
        Sandbox()
    with pytest.raises(ValueError, match="give a server URL or an app"):
        Sandbox("http://127.0.0.1:1", app=mailtwin_app)


def test_clock_helpers(sb: Sandbox) -> None:
    assert sb.clock.now() == datetime(2018, 9, 16, 12, 0, tzinfo=UTC)
    sb.clock.advance(timedelta(minutes=5), seconds=30)
    assert sb.clock.now() == datetime(2018, 9, 16, 12, 5, 30, tzinfo=UTC)
    sb.clock.set(datetime(2019, 1, 1, tzinfo=UTC))
    assert sb.clock.describe()["now"] == "2019-01-01T00:00:00.000000Z"
    assert sb.clock.unfreeze()["frozen"] is False
    assert sb.clock.freeze()["frozen"] is True


def test_url_for_and_unknown_provider(sb: Sandbox) -> None:
    assert sb.url_for("emma") == "http://mailtwin.test/emma"
    with pytest.raises(SandboxError, match="no provider named 'nope' \\(serving: emma\\)"):
        sb.url_for("nope")


def test_same_api_over_http(mailtwin: Sandbox) -> None:
    assert mailtwin.url.startswith("http://127.0.0.1:")
    assert mailtwin.health()["status"] == "ok"
    mailtwin.snapshot("http")
    assert "http" in mailtwin.snapshots()
    mailtwin.delete_snapshot("http")
