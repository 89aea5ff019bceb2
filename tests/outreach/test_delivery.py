"""An Outreach mailing sends one message to its prospect when it starts delivering, and its
own reads report that message's events: state, counters and timestamps of the mailing, the
template's counters, the prospect's counters and opt-out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp, Sandbox
from mailtwin.inprocess import client
from mailtwin.pytest_plugin import reset
from tests.conftest import SEED_TIME
from tests.outreach.test_lifecycle import new_mailing, new_prospect, state_of

AT = "2018-09-16T13:00:00Z"
SENT = "2018-09-16T13:00:30.000Z"  # 30 seconds after scheduledAt the mailing delivers


@pytest.fixture
def control(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url="http://mailtwin.test/__mailtwin") as http:
        yield http


def template(outreach: httpx.Client) -> int:
    response = outreach.post("/templates", json={"data": {"type": "template", "attributes": {
        "name": "Intro", "subject": "Hello {{first_name}} at {{account.name}}",
        "bodyHtml": '<p>Hi {{first_name}}, see <a href="https://example.com/demo">the demo</a>'
                    ".</p><p>{{sender.first_name}}</p>",
        "bodyText": "Hi {{first_name}}, see https://example.com/demo"}}})
    assert response.status_code == 201, response.text
    ident: int = response.json()["data"]["id"]
    return ident


def second(at: str) -> str:
    """An outbox moment as Outreach shows it (whole seconds)."""
    return f"{at[:19]}.000Z"


def outbox(control: httpx.Client, mailing: int) -> dict[str, Any]:
    found = control.get("/outbox", params={"provider": "outreach", "resource": "mailing",
                                           "mailing": str(mailing)}).json()
    assert found["count"] == 1, found
    message: dict[str, Any] = control.get(f"/outbox/{found['messages'][0]['id']}").json()
    return message


def test_a_mailing_sends_its_prospect_a_personalized_message(
        sandbox: MailtwinApp, outreach: httpx.Client, control: httpx.Client) -> None:
    prospect = outreach.post("/prospects", json={"data": {
        "type": "prospect", "attributes": {"firstName": "Ann", "emails": ["ann+click@example.com"]},
        "relationships": {"account": {"data": {"type": "account", "id": 2}}}}}
    ).json()["data"]["id"]
    used = template(outreach)
    mailing = new_mailing(outreach, {"scheduledAt": AT}, template=used, prospect=prospect)["id"]
    sandbox.runtime.clock.advance(timedelta(hours=1, minutes=5))
    attributes = state_of(outreach, mailing)  # a request lets the clock's events happen
    message = outbox(control, mailing)
    assert message["to"] == "ann+click@example.com"
    assert message["from"] == "avery.stone@example.com"
    assert message["subject"] == "Hello Ann at Globex"
    assert message["text"] == "Hi Ann, see https://example.com/demo"
    assert message["html"].startswith("<p>Hi Ann, see")
    assert message["headers"]["List-Unsubscribe"].startswith("<mailto:unsubscribe+")
    assert second(message["sent_at"]) == SENT
    assert message["meta"] == {"prospect": prospect, "template": used}
    assert attributes["messageId"] == f"<{message['id']}@example.com>"
    assert attributes["mailboxAddress"] == "avery.stone@example.com"


def test_events_show_in_the_mailing_its_template_and_prospect(
        sandbox: MailtwinApp, outreach: httpx.Client, control: httpx.Client) -> None:
    used = template(outreach)
    addresses = {"click": "ann+click@example.com", "bounce": "bounce@example.com",
                 "spam": "complaint@example.com", "leave": "unsubscribe@example.com",
                 "quiet": "sam+noengage@example.com"}
    prospects = {name: new_prospect(outreach, email) for name, email in addresses.items()}
    mailings = {name: new_mailing(outreach, {"scheduledAt": AT}, template=used,
                                  prospect=prospects[name])["id"] for name in addresses}
    sandbox.runtime.clock.advance(timedelta(hours=1, minutes=5))
    assert state_of(outreach, mailings["bounce"])["state"] == "bounced"
    assert state_of(outreach, mailings["quiet"])["state"] == "delivered"
    sandbox.runtime.clock.advance(timedelta(days=7))
    reads = {name: state_of(outreach, ident) for name, ident in mailings.items()}
    events = {name: outbox(control, ident)["timeline"] for name, ident in mailings.items()}

    bounced = reads["bounce"]
    assert (bounced["state"], bounced["openCount"], bounced["deliveredAt"]) == (
        "bounced", 0, None)
    assert bounced["bouncedAt"] == bounced["stateChangedAt"] == second(
        events["bounce"][-1]["at"])
    assert bounced["errorReason"] == events["bounce"][-1]["reason"]
    assert events["bounce"][-1]["bounce"] == "hard"

    clicked = reads["click"]
    opens = [second(e["at"]) for e in events["click"] if e["type"] == "opened"]
    clicks = [second(e["at"]) for e in events["click"] if e["type"] == "clicked"]
    assert clicked["state"] == "opened"
    assert (clicked["openCount"], clicked["clickCount"]) == (len(opens), len(clicks)) == (1, 1)
    assert (clicked["openedAt"], clicked["clickedAt"]) == (opens[-1], clicks[-1])
    assert clicked["deliveredAt"] == next(second(e["at"]) for e in events["click"]
                                          if e["type"] == "delivered")
    assert reads["spam"]["markedAsSpamAt"] == next(
        second(e["at"]) for e in events["spam"] if e["type"] == "complained")
    assert reads["leave"]["unsubscribedAt"] == next(
        second(e["at"]) for e in events["leave"] if e["type"] == "unsubscribed")
    assert (reads["quiet"]["state"], reads["quiet"]["openCount"]) == ("delivered", 0)

    counters = outreach.get(f"/templates/{used}").json()["data"]["attributes"]
    assert (counters["scheduleCount"], counters["deliverCount"], counters["bounceCount"],
            counters["openCount"], counters["clickCount"], counters["optOutCount"],
            counters["failureCount"]) == (5, 4, 1, 2, 1, 1, 0)

    def prospect(name: str) -> dict[str, Any]:
        found: dict[str, Any] = outreach.get(f"/prospects/{prospects[name]}").json()["data"]
        return found["attributes"]

    assert (prospect("click")["openCount"], prospect("click")["clickCount"]) == (1, 1)
    assert prospect("click")["engagedAt"] == clicks[-1]
    for name in ("bounce", "spam", "leave"):
        assert prospect(name)["optedOut"] is True
    assert prospect("click")["optedOut"] is False


def test_a_mailing_to_an_opted_out_prospect_fails_and_sends_nothing(
        sandbox: MailtwinApp, outreach: httpx.Client, control: httpx.Client) -> None:
    used = template(outreach)
    prospect = new_prospect(outreach, "bounce@example.com")
    first = new_mailing(outreach, {"scheduledAt": AT}, template=used, prospect=prospect)["id"]
    sandbox.runtime.clock.advance(timedelta(hours=1, minutes=5))
    assert state_of(outreach, first)["state"] == "bounced"
    later = new_mailing(outreach, {"scheduledAt": "2018-09-16T14:00:00Z"}, template=used,
                        prospect=prospect)["id"]
    sandbox.runtime.clock.advance(timedelta(hours=1, minutes=5))
    failed = state_of(outreach, later)
    assert (failed["state"], failed["errorReason"]) == (
        "failed", "The prospect has opted out of email.")
    assert failed["stateChangedAt"] == "2018-09-16T14:00:30.000Z"
    assert control.get("/outbox", params={"provider": "outreach", "mailing": str(later)}
                       ).json()["count"] == 0
    counters = outreach.get(f"/templates/{used}").json()["data"]["attributes"]
    assert (counters["bounceCount"], counters["failureCount"]) == (1, 1)


def test_a_mailing_without_a_prospect_fails(sandbox: MailtwinApp,
                                            outreach: httpx.Client) -> None:
    mailing = new_mailing(outreach, {"subject": "Nobody", "scheduledAt": AT})["id"]
    sandbox.runtime.clock.advance(timedelta(hours=1, minutes=5))
    failed = state_of(outreach, mailing)
    assert (failed["state"], failed["errorReason"]) == (
        "failed", "The mailing has no prospect with an email address to send to.")


def test_opens_and_clicks_are_not_counted_where_the_mailing_does_not_track_them(
        sandbox: MailtwinApp, outreach: httpx.Client) -> None:
    mailing = new_mailing(outreach, {"scheduledAt": AT, "trackOpens": False,
                                     "trackLinks": False, "bodyHtml":
                                     '<a href="https://example.com/x">x</a>'},
                          prospect=new_prospect(outreach, "ann+click@example.com"))["id"]
    sandbox.runtime.clock.advance(timedelta(days=7))
    seen = state_of(outreach, mailing)
    assert (seen["state"], seen["openCount"], seen["clickCount"], seen["openedAt"]) == (
        "delivered", 0, 0, None)


def _ordinary_run(app: MailtwinApp, outreach: httpx.Client) -> list[dict[str, Any]]:
    """Mailings to ten seeded prospects (ordinary addresses), read back a week later."""
    mailings = [new_mailing(outreach, {"subject": "Hi {{first_name}}", "scheduledAt": AT,
                                       "bodyHtml": '<a href="https://example.com/p">p</a>'},
                            prospect=prospect)["id"] for prospect in range(1, 11)]
    app.runtime.clock.advance(timedelta(days=7))
    return [state_of(outreach, mailing) for mailing in mailings]


def test_ordinary_addresses_get_the_same_outcome_from_the_same_seed(
        sandbox: MailtwinApp, reset_sandbox: Sandbox, outreach: httpx.Client,
        control: httpx.Client) -> None:
    first = _ordinary_run(sandbox, outreach)
    messages = control.get("/outbox", params={"provider": "outreach", "limit": 100}).json()
    assert messages["count"] == 10
    for summary in messages["messages"]:
        events = summary["events"]
        mailing = next(a for a in first if a["messageId"].startswith(f"<{summary['id']}@"))
        assert mailing["openCount"] == events.count("opened")
        assert mailing["clickCount"] == events.count("clicked")
        assert (mailing["state"] == "bounced") == ("bounced" in events)
    reset(reset_sandbox, clock=SEED_TIME)
    assert _ordinary_run(sandbox, outreach) == first
