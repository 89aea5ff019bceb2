"""Webhook tests: an Especial tenant with a receiver on 127.0.0.1 to deliver to, in process
(`especial`, `control`) or served by uvicorn (`mailtwin`, `mailtwin_url`: a server of this
folder's own, since the plugin's session server is built once per worker with the providers
of whichever folder asked first)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mailtwin import Config, MailtwinApp, Sandbox
from mailtwin.inprocess import client
from mailtwin.pytest_plugin import prepare
from mailtwin.webhooks.receiver import WebhookReceiver
from tests.control.live import serving

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


@pytest.fixture(scope="session")
def especial_server() -> Iterator[tuple[MailtwinApp, str]]:
    with serving(Config(seed=0, providers=("especial",))) as served:
        yield served


@pytest.fixture(scope="session")
def especial_server_control(especial_server: tuple[MailtwinApp, str]) -> Iterator[Sandbox]:
    with Sandbox(especial_server[1]) as sandbox:
        yield sandbox


@pytest.fixture
def mailtwin(request: pytest.FixtureRequest, especial_server_control: Sandbox) -> Sandbox:
    """The plugin's `mailtwin`, on a served sandbox with Especial."""
    return prepare(especial_server_control, request)


@pytest.fixture
def mailtwin_url(especial_server: tuple[MailtwinApp, str]) -> str:
    return especial_server[1]
