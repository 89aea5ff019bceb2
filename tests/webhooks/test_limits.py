"""What a sandbox's settings say about webhooks: the timeout of an attempt, the hosts a
delivery may reach, and the bounds of the log and of the pending deliveries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, Sandbox, create_app
from mailtwin.config import ConfigError
from mailtwin.inprocess import client
from mailtwin.sharing import from_env
from mailtwin.webhooks.receiver import WebhookReceiver
from tests.webhooks.conftest import BASE, new_list

START = datetime(2018, 9, 16, 12, 0, tzinfo=UTC)


@contextmanager
def sandbox_with(**settings: Any) -> Iterator[tuple[MailtwinApp, Sandbox, httpx.Client]]:
    app = create_app(Config(providers=("especial",), **settings), Clock(frozen_at=START))
    with Sandbox(app=app) as control, client(
            app, base_url=BASE, headers={"Authorization": "Bearer limits"}) as http:
        yield app, control, http
    app.runtime.webhooks.close()


def _subscribe(http: httpx.Client, url: str, **fields: Any) -> None:
    answer = http.post("/webhooks", json={"event": "List.Created", "url": url, **fields})
    assert answer.status_code == 201


def test_an_answer_slower_than_the_timeout_is_a_failed_attempt(
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    with sandbox_with(webhook_timeout=0.2) as (_, control, http):
        _subscribe(http, mailtwin_webhook_receiver.url)
        mailtwin_webhook_receiver.stall_next(1, 1.0)
        new_list(http)
        assert control.flush_webhooks()["pending"] == 1
        [attempt] = control.webhook_deliveries()
        assert attempt["status"] == "failed" and attempt["response_status"] is None
        assert attempt["error"] == "no answer within 0.2 s (timeout)"
        control.clock.advance(seconds=10)
        control.flush_webhooks()
        assert control.webhook_deliveries()[0]["status"] == "delivered"


def test_hosts_outside_the_allow_list_are_refused_without_retries(
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    port = mailtwin_webhook_receiver.url.rsplit(":", 1)[1]
    with sandbox_with(webhook_hosts=("LOCALHOST",)) as (_, control, http):
        _subscribe(http, mailtwin_webhook_receiver.url)
        _subscribe(http, f"http://localhost:{port}/allowed")
        new_list(http)
        assert control.flush_webhooks()["pending"] == 0
        by_status = {a["status"]: a for a in control.webhook_deliveries()}
        assert by_status["refused"]["error"] == (
            "host 127.0.0.1 is not one --webhook-hosts allows (localhost)")
        assert by_status["refused"]["next_attempt"] is None
        assert by_status["delivered"]["url"].endswith("/allowed")
    assert [d.path for d in mailtwin_webhook_receiver.deliveries] == ["/allowed"]


def test_webhook_settings_are_serve_options_too() -> None:
    from mailtwin.cli import build_parser
    from mailtwin.sharing import overrides

    args = build_parser().parse_args(["serve", "--webhook-hosts", "127.0.0.1,LOCALHOST",
                                      "--webhook-timeout", "3", "--webhook-log-limit", "50"])
    config = Config(**{k: v for k, v in overrides(args).items() if v is not None})
    assert config.webhook_hosts == ("127.0.0.1", "localhost")
    assert (config.webhook_timeout, config.webhook_log_limit) == (3.0, 50)


def test_webhook_settings_come_from_the_environment_too() -> None:
    assert from_env({"MAILTWIN_WEBHOOK_HOSTS": "127.0.0.1, Hooks.Local",
                     "MAILTWIN_WEBHOOK_TIMEOUT": "2.5"}) == {
        "webhook_hosts": ("127.0.0.1", "hooks.local"), "webhook_timeout": 2.5}
    with pytest.raises(ValueError, match="MAILTWIN_WEBHOOK_TIMEOUT"):
        from_env({"MAILTWIN_WEBHOOK_TIMEOUT": "soon"})
    with pytest.raises(ConfigError, match="webhook_timeout"):
        Config(webhook_timeout=0)


def test_the_log_keeps_the_newest_attempts_within_its_count_and_bytes(
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    with sandbox_with(webhook_log_limit=3) as (app, control, http):
        _subscribe(http, mailtwin_webhook_receiver.url)
        for n in range(5):
            new_list(http, f"list {n}")
            control.flush_webhooks()
        kept = control.webhook_deliveries()
        assert len(kept) == 3 and kept[0]["seq"] == 5
    # An attempt with its headers and body is some 800 bytes: a few fit, never all five.
    with sandbox_with(webhook_log_bytes=2500) as (app, control, http):
        _subscribe(http, mailtwin_webhook_receiver.url)
        for n in range(5):
            new_list(http, f"list {n}")
            control.flush_webhooks()
        log = app.runtime.webhooks.log
        assert 0 < len(log) < 5 and log.bytes <= 2500
        assert control.webhook_deliveries()[0]["seq"] == 5


def test_deliveries_past_the_pending_bound_are_dropped_and_logged(
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    with sandbox_with(webhook_max_pending=2) as (app, control, http):
        # One delivery a minute: the others wait in the queue.
        _subscribe(http, mailtwin_webhook_receiver.url, rate_limit=1,
                   rate_limit_period="minute")
        for n in range(6):
            new_list(http, f"list {n}")
        control.flush_webhooks()
        dropped = control.webhook_deliveries(status="dropped")
        assert dropped and dropped[0]["error"].startswith("too many deliveries are pending")
        assert app.runtime.webhooks.pending() <= 2
