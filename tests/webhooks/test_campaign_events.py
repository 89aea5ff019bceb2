"""A campaign sent to magic addresses reaches a webhook receiver as Especial's `Email.*`
events: signed, in the published payload shape, and retried on the sandbox clock after a
failure, beside the same events in the outbox."""

from __future__ import annotations

import httpx

from mailtwin import Sandbox
from mailtwin.webhooks.receiver import WebhookReceiver
from tests.webhooks.conftest import Subscribe

NOW = 1537099200
LINK = "https://shop.example.com/autumn"
WEEK = 7 * 86400


def _send_campaign_2_to(especial: httpx.Client, control: Sandbox, *addresses: str) -> None:
    for address in addresses:
        made = especial.post("/lists/1/contacts", json={"email": address})
        assert made.status_code == 201, made.text
    edited = especial.patch("/campaigns/2", json={"content": {
        "subject": "Autumn news", "html": f'<p><a href="{LINK}">Autumn is here</a></p>',
        "text": "Autumn is here."}})
    assert edited.status_code == 200, edited.text
    assert especial.post("/campaigns/2/schedule", json={"date": NOW + 100}).status_code == 200
    control.clock.advance(seconds=100 + 61)


def test_message_events_of_a_campaign_are_delivered_as_email_events(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    receiver = mailtwin_webhook_receiver
    for event in ("Email.Bounced", "Email.Clicked", "Email.ReportedAsSpam"):
        subscribe(event)
    receiver.fail_next(1, status=500)
    _send_campaign_2_to(especial, control, "bounce@example.com", "ann+click@example.com",
                        "complaint@example.com")
    control.clock.advance(seconds=WEEK)
    control.flush_webhooks()
    control.clock.advance(seconds=10)  # the failed first delivery falls due again
    control.flush_webhooks()

    delivered = [d for d in receiver.deliveries if d.status == 200]
    assert all(d.verified for d in receiver.deliveries)
    by_event: dict[str, list[dict[str, object]]] = {}
    for got in delivered:
        assert got.json["event"] == got.header("x-event")
        by_event.setdefault(got.json["event"], []).append(got.json["data"])
    assert "bounce@example.com" in {data["to"] for data in by_event["Email.Bounced"]}
    clicked = [data for data in by_event["Email.Clicked"]
               if data["to"] == "ann+click@example.com"]
    assert [data["url"] for data in clicked] == [LINK]
    assert "complaint@example.com" in {d["to"] for d in by_event["Email.ReportedAsSpam"]}
    for data in clicked:
        assert data["mailing"] == {"resource": "campaign", "id": 2}
        assert data["subject"] == "Autumn news"

    # The failed attempt was retried: the same delivery, attempt 2, delivered.
    failed = next(d for d in receiver.deliveries if d.status == 500)
    retried = [d for d in receiver.deliveries
               if d.header("x-delivery-id") == failed.header("x-delivery-id")]
    assert [(d.status, d.header("x-attempt")) for d in retried] == [(500, "1"), (200, "2")]
    assert retried[0].body == retried[1].body

    # The outbox holds the same messages the events speak of.
    [bounced] = control.outbox("especial", to="bounce@example.com", mailing=2)
    assert "bounced" in bounced["events"]


def test_a_suppression_made_by_a_hard_bounce_is_delivered_as_suppressed_email_added(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("SuppressedEmail.Added")
    _send_campaign_2_to(especial, control, "bounce@example.com")
    control.clock.advance(seconds=WEEK)
    control.flush_webhooks()

    added = [d.json["data"] for d in mailtwin_webhook_receiver.deliveries
             if d.json["event"] == "SuppressedEmail.Added"]
    assert [(data["email"], data["source"]) for data in added
            if data["email"] == "bounce@example.com"] == [("bounce@example.com", "hard_bounce")]
    assert all(d.verified for d in mailtwin_webhook_receiver.deliveries)
