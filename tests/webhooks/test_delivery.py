"""Especial webhooks are delivered: signed, retried on the sandbox clock, rate limited,
logged, flushed, never to archived subscriptions, and forgotten on reset."""

from __future__ import annotations

import socket

import httpx

from mailtwin import MailtwinApp, Sandbox
from mailtwin.webhooks.receiver import WebhookReceiver
from mailtwin.webhooks.signing import sign
from tests.webhooks.conftest import Subscribe, new_list

NOW = 1537099200  # the session clock (tests/conftest.py SEED_TIME) in Unix seconds


def test_an_event_is_posted_signed_with_the_webhooks_key(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    hook = subscribe("List.Created")
    made = new_list(especial)
    result = control.flush_webhooks()
    # The dispatcher may have made the attempt before the flush began: the log tells.
    assert result["pending"] == 0
    [got] = mailtwin_webhook_receiver.deliveries
    assert got.method == "POST" and got.path == "/hooks"
    assert got.verified is True
    assert got.header("x-signature") == sign(hook["key"], got.body, "base64")
    assert got.header("content-type") == "application/json"
    assert (got.header("x-event"), got.header("x-timestamp"), got.header("x-attempt")) == (
        "List.Created", str(NOW), "1")
    assert got.header("x-delivery-id") is not None
    assert got.json == {"event": "List.Created", "created_on": NOW, "data": made}
    [attempt] = control.webhook_deliveries()
    assert attempt["delivery"] == got.header("x-delivery-id")
    assert (attempt["status"], attempt["response_status"], attempt["webhook"],
            attempt["event"], attempt["attempt"], attempt["next_attempt"]) == (
        "delivered", 200, hook["id"], "List.Created", 1, None)
    assert attempt["url"] == hook["url"] and attempt["duration_ms"] >= 0


def test_a_signature_made_with_another_key_does_not_verify(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("List.Created")
    mailtwin_webhook_receiver.keys.clear()
    mailtwin_webhook_receiver.keys.add("not-the-key")
    new_list(especial)
    control.flush_webhooks()
    assert [d.verified for d in mailtwin_webhook_receiver.deliveries] == [False]


def test_failed_deliveries_are_retried_with_backoff_on_the_sandbox_clock(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("List.Created")
    mailtwin_webhook_receiver.fail_next(2, status=503)
    new_list(especial)
    first = control.flush_webhooks()
    assert (first["pending"], first["next_attempt"]) == (1, "2018-09-16T12:00:10.000000Z")
    control.clock.advance(seconds=9)
    assert control.flush_webhooks()["attempted"] == 0
    assert len(control.webhook_deliveries()) == 1
    control.clock.advance(seconds=1)
    second = control.flush_webhooks()
    assert second["next_attempt"] == "2018-09-16T12:00:30.000000Z"
    assert len(control.webhook_deliveries()) == 2
    control.clock.advance(seconds=20)
    last = control.flush_webhooks()
    assert (last["pending"], last["unfinished"], last["next_attempt"]) == (0, 0, None)
    assert len(control.webhook_deliveries()) == 3
    received = mailtwin_webhook_receiver.deliveries
    assert [d.status for d in received] == [503, 503, 200]
    assert len({d.header("x-delivery-id") for d in received}) == 1
    assert [d.header("x-attempt") for d in received] == ["1", "2", "3"]
    assert all(d.verified for d in received) and received[0].body == received[2].body
    log = control.webhook_deliveries()
    assert [(a["attempt"], a["status"], a["response_status"]) for a in log] == [
        (3, "delivered", 200), (2, "failed", 503), (1, "failed", 503)]
    assert log[1]["error"] == "answered 503"
    assert log[1]["next_attempt"] == "2018-09-16T12:00:30.000000Z"


def test_a_refused_connection_is_retried(especial: httpx.Client, control: Sandbox,
                                         subscribe: Subscribe) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    subscribe("List.Created", url=f"http://127.0.0.1:{port}/gone")
    new_list(especial)
    assert control.flush_webhooks()["pending"] == 1
    [attempt] = control.webhook_deliveries()
    assert attempt["status"] == "failed" and attempt["response_status"] is None
    assert attempt["error"].startswith("connection failed")
    assert attempt["next_attempt"] == "2018-09-16T12:00:10.000000Z"


def test_delivery_gives_up_after_the_last_attempt(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("List.Created")
    mailtwin_webhook_receiver.fail_next(8)
    new_list(especial)
    control.flush_webhooks()
    for wait in (10, 20, 40, 80, 160, 320, 640):
        control.clock.advance(seconds=wait)
        control.flush_webhooks()
    log = control.webhook_deliveries()
    assert [a["attempt"] for a in log] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert log[0]["status"] == "failed" and log[0]["next_attempt"] is None
    control.clock.advance(days=1)
    assert control.flush_webhooks()["attempted"] == 0


def test_archived_webhooks_receive_nothing_and_lose_their_retries(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    hook = subscribe("List.Created")
    mailtwin_webhook_receiver.fail_next(1)
    new_list(especial, "first")
    assert control.flush_webhooks()["pending"] == 1
    assert especial.post(f"/webhooks/{hook['id']}/archive").status_code == 200
    new_list(especial, "second")
    control.clock.advance(minutes=5)
    assert control.flush_webhooks() == {"attempted": 0, "pending": 0, "unfinished": 0,
                                        "next_attempt": None}
    assert len(mailtwin_webhook_receiver.deliveries) == 1
    assert especial.post(f"/webhooks/{hook['id']}/unarchive").status_code == 200
    new_list(especial, "third")
    control.flush_webhooks()
    assert mailtwin_webhook_receiver.deliveries[-1].json["data"]["name"] == "third"


def test_only_subscriptions_to_the_event_receive_it(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("List.Deleted")
    updated = subscribe("List.Updated")
    made = new_list(especial)
    assert especial.patch(f"/lists/{made['id']}", json={"name": "Renamed"}).status_code == 200
    control.flush_webhooks()
    [got] = mailtwin_webhook_receiver.deliveries
    assert got.json["event"] == "List.Updated" and got.json["data"]["name"] == "Renamed"
    assert control.webhook_deliveries()[0]["webhook"] == updated["id"]


def test_the_rate_limit_of_a_webhook_is_honoured_on_the_sandbox_clock(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("List.Created", rate_limit=2, rate_limit_period="minute")
    for n in range(5):
        new_list(especial, f"list {n}")
    result = control.flush_webhooks()
    assert result["pending"] == 3 and result["next_attempt"] == "2018-09-16T12:01:00.000000Z"
    assert len(mailtwin_webhook_receiver.deliveries) == 2
    control.clock.advance(minutes=1)
    control.flush_webhooks()
    assert len(mailtwin_webhook_receiver.deliveries) == 4
    control.clock.advance(minutes=1)
    assert control.flush_webhooks()["pending"] == 0
    names = sorted(d.json["data"]["name"] for d in mailtwin_webhook_receiver.deliveries)
    assert names == [f"list {n}" for n in range(5)]


def test_the_deliveries_log_is_newest_first_filtered_and_paged(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    lists = subscribe("List.Created")
    senders = subscribe("Sender.Created")
    mailtwin_webhook_receiver.fail_next(1)
    new_list(especial, "one")
    control.flush_webhooks()
    new_list(especial, "two")
    assert especial.post("/brands/default/senders", json={
        "name": "Hooks", "email": "hooks@example.com"}).status_code in (200, 201)
    control.flush_webhooks()
    every = control.webhook_deliveries()
    assert [a["seq"] for a in every] == sorted((a["seq"] for a in every), reverse=True)
    assert len(every) == 3
    assert [a["event"] for a in control.webhook_deliveries(webhook=senders["id"])] == [
        "Sender.Created"]
    assert len(control.webhook_deliveries(event="List.Created")) == 2
    assert [a["webhook"] for a in control.webhook_deliveries(status="failed")] == [lists["id"]]
    page = control.webhook_deliveries(limit=2)
    assert page == every[:2]
    assert control.webhook_deliveries(limit=2, before=page[-1]["seq"]) == every[2:]
    answer = control.http.get("/__mailtwin/webhooks/deliveries", params={"limit": 2})
    assert answer.json()["next"] == page[-1]["seq"]
    assert control.http.get("/__mailtwin/webhooks/deliveries",
                            params={"status": "lost"}).status_code == 400


def test_a_reset_forgets_pending_deliveries_and_the_log(
        sandbox: MailtwinApp, especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("List.Created")
    mailtwin_webhook_receiver.fail_next(1)
    new_list(especial)
    assert control.flush_webhooks()["pending"] == 1
    control.reset(clock="2018-09-16T12:00:00Z")
    assert sandbox.runtime.webhooks.pending() == 0
    assert control.webhook_deliveries() == []
    control.clock.advance(minutes=1)
    assert control.flush_webhooks()["attempted"] == 0
    assert len(mailtwin_webhook_receiver.deliveries) == 1


def test_message_events_on_the_bus_become_email_events(
        sandbox: MailtwinApp, especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("Email.Opened")
    subscribe("Email.ReportedAsSpam")
    message = {"message": "msg_1", "to": "ann@example.com", "type": "opened",
               "mailing": {"resource": "campaign", "id": 2}, "subject": "April"}
    bus = sandbox.runtime.bus
    bus.emit("message.opened", "especial", "hooks", NOW + 5, message)
    bus.emit("message.complained", "especial", "hooks", NOW + 6,
             {**message, "type": "complained"})
    bus.emit("message.opened", "especial", "somebody-else", NOW + 7, message)
    control.flush_webhooks()
    got = sorted((d.json for d in mailtwin_webhook_receiver.deliveries),
                 key=lambda body: body["created_on"])
    assert got == [
        {"event": "Email.Opened", "created_on": NOW + 5, "data": message},
        {"event": "Email.ReportedAsSpam", "created_on": NOW + 6,
         "data": {**message, "type": "complained"}}]


def test_a_scheduled_campaign_is_a_campaign_scheduled_event(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("Campaign.Scheduled")
    subscribe("Campaign.Updated")
    answer = especial.post("/campaigns/2/schedule",
                           json={"date": NOW + 86400})
    assert answer.status_code == 200, answer.text
    control.flush_webhooks()
    events = [d.json["event"] for d in mailtwin_webhook_receiver.deliveries]
    assert events == ["Campaign.Scheduled"]
    data = mailtwin_webhook_receiver.deliveries[0].json["data"]
    assert (data["id"], data["status"]) == (2, "scheduled")


def test_a_flush_with_a_bad_body_is_refused(control: Sandbox) -> None:
    http = control.http
    assert http.post("/__mailtwin/webhooks/flush", json={"timeout": -1}).status_code == 400
    assert http.post("/__mailtwin/webhooks/flush", json={"wait": 1}).status_code == 400
    too_big = http.post("/__mailtwin/webhooks/flush", json={"timeout": 1, "x": "y" * 5000})
    assert too_big.status_code == 413
    assert http.post("/__mailtwin/webhooks/flush", json={"timeout": 0.5}).json() == {
        "attempted": 0, "pending": 0, "unfinished": 0, "next_attempt": None}


def test_secrets_in_a_webhook_url_are_redacted_in_the_log(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("List.Created", url=f"{mailtwin_webhook_receiver.url}/in?token=s3cret&team=a")
    new_list(especial)
    control.flush_webhooks()
    [attempt] = control.webhook_deliveries()
    assert "s3cret" not in attempt["url"] and attempt["url"].endswith("&team=a")
    assert mailtwin_webhook_receiver.deliveries[0].path == "/in?token=s3cret&team=a"
