"""Through the pytest plugin, as a project using it writes: a campaign goes out on the
sandbox clock and `mailtwin.assert_sent` finds its messages, or says what was sent instead."""

from __future__ import annotations

import pytest

from mailtwin import Sandbox

SEND = 1537102800  # 2018-09-16T13:00:00Z, an hour after the marker's clock


@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_a_campaign_is_in_the_outbox(mailtwin: Sandbox) -> None:
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
def test_a_missing_message_is_explained(mailtwin: Sandbox) -> None:
    with mailtwin.client("especial", headers={"Authorization": "Bearer acme"}) as especial:
        assert especial.post("/campaigns/2/schedule", json={"date": SEND}).status_code == 200
    mailtwin.clock.advance(hours=2)
    with pytest.raises(AssertionError) as failed:
        mailtwin.assert_sent(to="ada@demo.example.com", subject="April news for Bob")
    text = str(failed.value)
    assert "expected a message to ada@demo.example.com subject holding 'April news for Bob'" \
        in text
    assert "- April news for Bob" in text and "+ April news for Ada" in text
