"""Webhooks are an engine feature a provider's YAML switches on: a tiny provider declares its
own subscriptions, signature, headers, payload, retries and triggers, and gets them; the
loader refuses a declaration that names what does not exist."""

from __future__ import annotations

import hashlib
import hmac
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, Sandbox, create_app
from mailtwin.inprocess import client
from mailtwin.spec import SourceError
from mailtwin.webhooks.declaration import Retry
from mailtwin.webhooks.receiver import WebhookReceiver

DATA = Path(__file__).parents[1] / "core" / "data"
START = datetime(2026, 1, 1, tzinfo=UTC)
HOOKS = """\
    hook:
      id: id
      secrets: [key]
  webhooks:
    resource: hook
    fields: {event: topic, url: target, secret: key}
    signature: {header: x-tiny-signature, encoding: hex}
    headers: {event: x-tiny-event, delivery: x-tiny-delivery}
    payload: {type: $event, at: $time, note: $data, hook: $webhook, id: $delivery}
    retry: {attempts: 2, first: 5, factor: 3}
    events:
      note.created: {created: note}
      note.scheduled: {moved: note, from: draft, to: scheduled}
      note.published: {acted: note, action: publish}
      note.gone: [{deleted: note}]
"""
HOOK_PATH = """\
  /hooks/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    delete:
      x-mailtwin: {resource: hook}
      responses: {"204": {description: deleted}}
  /hooks:
    post:
      x-mailtwin: {resource: hook, respond: {status: 201, body: {id: $id, key: "$field:key"}}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [topic, target]
              properties: {topic: {type: string}, target: {type: string}}
      responses: {"201": {description: created}}
"""


def tiny_spec(folder: Path, hooks: str = HOOKS) -> Path:
    text = (DATA / "tiny.yaml").read_text()
    text = text.replace("  lifecycles:\n", hooks + "  lifecycles:\n", 1)
    text = text.replace("  resources:\n", "  resources:\n" + hooks.split("  webhooks:")[0], 1)
    text = text.replace("paths:\n", "paths:\n" + HOOK_PATH, 1)
    (folder / "tiny.yaml").write_text(text)
    shutil.copytree(DATA / "fixtures", folder / "fixtures", dirs_exist_ok=True)
    return folder / "tiny.yaml"


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[tuple[MailtwinApp, httpx.Client, Sandbox]]:
    tiny_spec(tmp_path)
    app = create_app(Config(specs=tmp_path / "tiny.yaml", fixtures=tmp_path / "fixtures",
                            builtin=False), Clock(frozen_at=START))
    with client(app, base_url="http://mailtwin.test/tiny",
                headers={"Authorization": "Bearer t"}) as http, Sandbox(app=app) as control:
        yield app, http, control
    app.runtime.webhooks.close()


def test_a_provider_declares_its_own_webhooks(
        tiny: tuple[MailtwinApp, httpx.Client, Sandbox],
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    _, http, control = tiny
    receiver = mailtwin_webhook_receiver
    hooks = {}
    for topic in ("note.created", "note.scheduled", "note.published", "note.gone"):
        made = http.post("/hooks", json={"topic": topic, "target": f"{receiver.url}/{topic}"})
        assert made.status_code == 201
        hooks[topic] = made.json()
    note = http.post("/notes", json={"title": "Hello"}).json()["data"]
    assert http.post(f"/notes/{note['id']}/publish").status_code == 200
    assert http.delete(f"/notes/{note['id']}").status_code == 204
    control.flush_webhooks()
    got = {d.path: d for d in receiver.deliveries}
    assert sorted(got) == ["/note.created", "/note.gone", "/note.published",
                           "/note.scheduled"]
    created = got["/note.created"]
    key = hooks["note.created"]["key"]
    assert created.header("x-tiny-signature") == hmac.new(
        key.encode(), created.body, hashlib.sha256).hexdigest()
    assert created.header("x-tiny-event") == "note.created"
    assert created.json == {"type": "note.created", "at": "2026-01-01T00:00:00.000Z",
                            "note": note, "hook": hooks["note.created"]["id"],
                            "id": created.header("x-tiny-delivery")}
    assert got["/note.scheduled"].json["note"]["state"] == "scheduled"
    assert got["/note.published"].json["note"] == got["/note.scheduled"].json["note"]
    assert got["/note.gone"].json["note"]["title"] == "Hello"


def test_the_declared_retry_schedule_is_followed(
        tiny: tuple[MailtwinApp, httpx.Client, Sandbox],
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    _, http, control = tiny
    http.post("/hooks", json={"topic": "note.created", "target": mailtwin_webhook_receiver.url})
    mailtwin_webhook_receiver.fail_next(5)
    http.post("/notes", json={"title": "Twice"})
    assert control.flush_webhooks()["next_attempt"] == "2026-01-01T00:00:05.000000Z"
    control.clock.advance(seconds=5)
    assert control.flush_webhooks()["pending"] == 0  # two attempts in all, then given up
    assert [a["next_attempt"] for a in control.webhook_deliveries()] == [
        None, "2026-01-01T00:00:05.000000Z"]
    assert Retry(8, 10, 2).delay(3) == 40


def test_a_record_change_nobody_subscribes_to_stays_off_the_bus(
        tiny: tuple[MailtwinApp, httpx.Client, Sandbox]) -> None:
    app, http, _ = tiny
    http.post("/notes", json={"title": "Quiet"})
    assert [e.kind for e in app.runtime.bus.since()] == []
    http.post("/hooks", json={"topic": "note.created", "target": "http://127.0.0.1:9/"})
    http.post("/notes", json={"title": "Heard"})
    assert [e.kind for e in app.runtime.bus.since()] == ["record.created"]


@pytest.mark.parametrize(("hooks", "words"), [
    (HOOKS.replace("{created: note}", "{created: nothing}"), "unknown resource 'nothing'"),
    (HOOKS.replace("resource: hook", "resource: hooks"), "unknown resource 'hooks'"),
    (HOOKS.replace("encoding: hex", "encoding: rot13"), "rot13"),
    (HOOKS.replace("{created: note}", "{created: note, updated: note}"), "created"),
    (HOOKS.replace("{acted: note, action: publish}", "{acted: note}"), "note.published"),
    (HOOKS.replace("{acted: note, action: publish}", "{acted: notes, action: publish}"),
     "unknown resource 'notes'"),
])
def test_a_declaration_naming_what_does_not_exist_is_refused(
        tmp_path: Path, hooks: str, words: str) -> None:
    from mailtwin.spec import load_provider

    with pytest.raises(SourceError, match=words):
        load_provider(tiny_spec(tmp_path, hooks))


def test_a_deleted_subscription_loses_its_retries(
        tiny: tuple[MailtwinApp, httpx.Client, Sandbox],
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    _, http, control = tiny
    hook = http.post("/hooks", json={"topic": "note.created",
                                     "target": mailtwin_webhook_receiver.url}).json()
    mailtwin_webhook_receiver.fail_next(1)
    http.post("/notes", json={"title": "Once"})
    assert control.flush_webhooks()["pending"] == 1
    assert http.delete(f"/hooks/{hook['id']}").status_code == 204
    control.clock.advance(minutes=1)
    assert control.flush_webhooks()["pending"] == 0
    assert len(mailtwin_webhook_receiver.deliveries) == 1
