"""Webhook tests: an Especial tenant with a receiver on 127.0.0.1 to deliver to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp, Sandbox
from mailtwin.inprocess import client
from mailtwin.webhooks.receiver import WebhookReceiver

BASE = "http://mailtwin.test/especial"
SENDER = "news-desk"


@pytest.fixture
def especial(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url=BASE, headers={"Authorization": "Bearer hooks"}) as http:
        yield http


@pytest.fixture
def control(sandbox: MailtwinApp, reset_sandbox: Sandbox) -> Sandbox:
    return reset_sandbox


Subscribe = Callable[..., dict[str, Any]]


@pytest.fixture
def subscribe(especial: httpx.Client, mailtwin_webhook_receiver: WebhookReceiver) -> Subscribe:
    """Register a webhook for an event at the receiver; its key verifies signatures."""

    def make(event: str = "List.Created", url: str | None = None,
             **fields: Any) -> dict[str, Any]:
        answer = especial.post("/webhooks", json={
            "event": event, "url": url or f"{mailtwin_webhook_receiver.url}/hooks", **fields})
        assert answer.status_code == 201, answer.text
        hook: dict[str, Any] = answer.json()["data"]
        key = especial.get(f"/webhooks/{hook['id']}").json()["signature"]["key"]
        mailtwin_webhook_receiver.keys.add(key)
        return {**hook, "key": key}

    return make


def new_list(especial: httpx.Client, name: str = "Hooked") -> dict[str, Any]:
    answer = especial.post("/lists", json={"name": name, "default_sender": {"id": SENDER}})
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()["data"]
    return data
