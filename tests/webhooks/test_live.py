"""Webhooks from a sandbox served by uvicorn, through the pytest plugin's fixtures: attempts
appear on the live event stream as they happen."""

from __future__ import annotations

import httpx

from mailtwin import Sandbox, redacted
from mailtwin.webhooks.receiver import WebhookReceiver
from tests.control.live import sse_events


def test_attempts_stream_live_and_a_retry_reaches_the_receiver(
        mailtwin: Sandbox, mailtwin_url: str,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    with mailtwin.client("especial", headers={"Authorization": "Bearer live"}) as especial, \
            httpx.Client(base_url=mailtwin_url, timeout=10.0) as http, \
            http.stream("GET", "/__mailtwin/events") as stream:
        events = sse_events(stream.iter_lines())
        assert next(events)[0] == "hello"
        hook = especial.post("/webhooks", json={
            "event": "Contact.Added", "url": mailtwin_webhook_receiver.url}).json()
        key = especial.get(f"/webhooks/{hook['id']}").json()["signature"]["key"]
        mailtwin_webhook_receiver.keys.add(key)
        mailtwin_webhook_receiver.fail_next(1)
        answer = especial.post("/lists/1/contacts", json={"email": "live@example.com"})
        assert answer.status_code in (200, 201), answer.text
        assert mailtwin.flush_webhooks()["pending"] == 1
        mailtwin.clock.advance(seconds=10)
        assert mailtwin.flush_webhooks()["pending"] == 0
        attempts = []
        while len(attempts) < 2:
            kind, data = next(events)
            if kind == "webhook":
                attempts.append(data)
        assert [(a["attempt"], a["status"]) for a in attempts] == [(1, "failed"),
                                                                   (2, "delivered")]
        assert attempts[0]["tenant"] == redacted("live") and attempts[0]["event"] == "Contact.Added"
    received = mailtwin_webhook_receiver.deliveries
    assert [d.status for d in received] == [500, 200]
    assert all(d.verified for d in received)
    assert received[1].json["data"]["email"] == "live@example.com"
