"""The pytest plugin on a sample suite of delivery tests, as a project using it writes them:
`mailtwin.assert_sent` finds a campaign's messages or says what was sent instead, and message
events reach the live event stream."""

from __future__ import annotations

import pytest

CONFTEST = '''
import pytest
from mailtwin import Config

@pytest.fixture(scope="session")
def mailtwin_config():
    return Config(providers=("especial",))
'''

SUITE = '''
import json

import httpx
import pytest

from mailtwin import redacted

SEND = 1537102800  # 2018-09-16T13:00:00Z, an hour after the marker's clock


@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_a_campaign_is_in_the_outbox(mailtwin):
    with mailtwin.client("especial", headers={"Authorization": "Bearer acme"}) as especial:
        added = especial.post("/lists/1/contacts", json={
            "email": "ann+open@example.com",
            "custom_attributes": [{"name": "first_name", "value": "Ann"}]})
        assert added.status_code == 201
        assert especial.post("/campaigns/2/schedule", json={"date": SEND}).status_code == 200

    mailtwin.clock.advance(hours=1, minutes=2)
    mailtwin.assert_sent(to="ann+open@example.com", subject="April news for Ann",
                         contains="Hi Ann, spring is here.")
    mailtwin.clock.advance(days=7)
    [message] = mailtwin.outbox("especial", to="ann+open@example.com")
    assert message["events"] == ["sent", "delivered", "opened"]


@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_a_missing_message_is_explained(mailtwin):
    with mailtwin.client("especial", headers={"Authorization": "Bearer acme"}) as especial:
        assert especial.post("/campaigns/2/schedule", json={"date": SEND}).status_code == 200
    mailtwin.clock.advance(hours=2)
    with pytest.raises(AssertionError) as failed:
        mailtwin.assert_sent(to="ada@demo.example.com", subject="April news for Bob")
    text = str(failed.value)
    assert "expected a message to ada@demo.example.com subject holding 'April news for Bob'" \\
        in text
    assert "- April news for Bob" in text and "+ April news for Ada" in text


def _events(lines):
    kind = ""
    for line in lines:
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            yield kind, json.loads(line.split(":", 1)[1])


@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_message_events_stream_as_they_happen(mailtwin, mailtwin_url):
    with mailtwin.client("especial", headers={"Authorization": "Bearer acme"}) as especial:
        assert especial.post("/campaigns/2/schedule", json={"date": SEND}).status_code == 200
    with httpx.Client(base_url=mailtwin_url, timeout=httpx.Timeout(10.0)) as http, \\
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
'''


def test_a_delivery_suite_passes_through_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_delivery=SUITE)
    result = pytester.runpytest("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
