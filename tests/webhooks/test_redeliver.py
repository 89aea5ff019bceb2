"""A logged attempt's event is sent again on demand (`POST
/__mailtwin/webhooks/deliveries/{seq}/redeliver`), and the log shows what each attempt sent:
its headers, the signature among them, and its body."""

from __future__ import annotations

import httpx
import pytest

from mailtwin import MailtwinApp, Sandbox, SandboxError
from mailtwin.webhooks.receiver import WebhookReceiver
from mailtwin.webhooks.signing import sign
from tests.webhooks.conftest import Subscribe, new_list


def test_the_log_shows_the_headers_and_body_each_attempt_sent(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    hook = subscribe("List.Created")
    new_list(especial)
    control.flush_webhooks()
    [got] = mailtwin_webhook_receiver.deliveries
    [attempt] = control.webhook_deliveries()
    assert attempt["body"] == got.body.decode()
    assert attempt["headers"]["x-signature"] == got.header("x-signature") == sign(
        hook["key"], got.body, "base64")
    assert attempt["headers"]["x-delivery-id"] == attempt["delivery"]
    assert attempt["headers"]["content-type"] == "application/json"


def test_a_redelivery_sends_the_same_event_again_as_one_more_attempt(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("List.Created")
    new_list(especial)
    control.flush_webhooks()
    [first] = control.webhook_deliveries()
    again = control.redeliver_webhook(first["seq"])
    assert again == {"delivery": first["delivery"], "attempt": 2, "webhook": first["webhook"],
                     "event": "List.Created", "url": first["url"], "queued": True}
    control.flush_webhooks()  # the attempt may be made before the flush is asked for
    one, two = mailtwin_webhook_receiver.deliveries
    assert two.body == one.body and two.verified is True
    assert (two.header("x-delivery-id"), two.header("x-attempt")) == (first["delivery"], "2")
    newest = control.webhook_deliveries()[0]
    assert (newest["delivery"], newest["attempt"], newest["status"]) == (
        first["delivery"], 2, "delivered")


def test_a_failed_redelivery_is_not_retried(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("List.Created")
    new_list(especial)
    control.flush_webhooks()
    mailtwin_webhook_receiver.fail_next(1, status=500)
    control.redeliver_webhook(control.webhook_deliveries()[0]["seq"])
    assert control.flush_webhooks()["pending"] == 0
    assert len(control.webhook_deliveries()) == 2
    newest = control.webhook_deliveries()[0]
    assert (newest["status"], newest["response_status"], newest["next_attempt"]) == (
        "failed", 500, None)


def test_a_redelivery_goes_to_the_webhooks_url_and_key_of_now(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    hook = subscribe("List.Created")
    new_list(especial)
    control.flush_webhooks()
    moved = especial.patch(f"/webhooks/{hook['id']}",
                           json={"url": f"{mailtwin_webhook_receiver.url}/moved"})
    assert moved.status_code == 200, moved.text
    control.redeliver_webhook(control.webhook_deliveries()[0]["seq"])
    control.flush_webhooks()
    assert [d.path for d in mailtwin_webhook_receiver.deliveries] == ["/hooks", "/moved"]


def test_redelivering_an_unknown_attempt_is_a_404(control: Sandbox) -> None:
    with pytest.raises(SandboxError) as refused:
        control.redeliver_webhook(999)
    assert refused.value.status == 404
    assert refused.value.body["problems"][0]["loc"] == ["path", "seq"]
    assert "attempt 999 is not in the log" in refused.value.body["error"]


def test_redelivering_to_an_archived_or_removed_webhook_is_refused(
        sandbox: MailtwinApp, especial: httpx.Client, control: Sandbox,
        subscribe: Subscribe) -> None:
    hook = subscribe("List.Created")
    new_list(especial)
    control.flush_webhooks()
    seq = control.webhook_deliveries()[0]["seq"]
    assert especial.post(f"/webhooks/{hook['id']}/archive").status_code == 200
    with pytest.raises(SandboxError) as archived:
        control.redeliver_webhook(seq)
    assert archived.value.status == 409
    assert "receives nothing" in archived.value.body["error"]
    logged = sandbox.runtime.webhooks.log.find(seq)
    assert logged is not None
    held = sandbox.runtime.store.peek("especial", logged.tenant)
    assert held is not None
    held.collections["webhook"].records.clear()  # Especial's API deletes no webhook
    with pytest.raises(SandboxError) as deleted:
        control.redeliver_webhook(seq)
    assert deleted.value.status == 404
    assert "no longer exists" in deleted.value.body["error"]
    assert control.flush_webhooks()["attempted"] == 0


def test_an_attempt_number_that_is_no_number_names_no_attempt(control: Sandbox) -> None:
    with pytest.raises(SandboxError) as refused:
        control.call("POST", "/webhooks/deliveries/zero/redeliver")
    assert refused.value.status == 404
    assert 'seq: "zero" is not of type "integer"' in refused.value.body["error"]
