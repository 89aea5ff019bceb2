"""Message events reach the control plane's live stream as they happen."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from mailtwin import Sandbox, redacted

SEND = 1537102800  # 2018-09-16T13:00:00Z


def _events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, object]]]:
    kind = ""
    for line in lines:
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            yield kind, json.loads(line.split(":", 1)[1])


@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_message_events_stream_as_they_happen(mailtwin: Sandbox, mailtwin_url: str) -> None:
    with mailtwin.client("especial", headers={"Authorization": "Bearer acme"}) as especial:
        assert especial.post("/campaigns/2/schedule", json={"date": SEND}).status_code == 200
    with httpx.Client(base_url=mailtwin_url, timeout=httpx.Timeout(10.0)) as http, \
            http.stream("GET", "/__mailtwin/events?seconds=5") as stream:
        events = _events(stream.iter_lines())
        assert next(events)[0] == "hello"
        mailtwin.clock.advance(hours=1)
        for kind, data in events:
            if kind == "event" and data["kind"] == "message.sent":
                break
        else:
            pytest.fail("no message.sent event was streamed")
    # A tenant a bearer token named is shown redacted, as everywhere on the control plane.
    assert data["provider"] == "especial" and data["tenant"] == redacted("acme")
    assert data["at"] == SEND
    shown = data["data"]
    assert isinstance(shown, dict)
    assert shown["type"] == "sent" and shown["mailing"] == {"resource": "campaign", "id": 2}
    assert shown["subject"] == "April news for Ada" and shown["to"] == "ada@demo.example.com"
