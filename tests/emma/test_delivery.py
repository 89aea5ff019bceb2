"""An Emma mailing sends one message per member when it completes, personalized with the
member's fields; its messages' events make members bounce, err and opt out, which later
mailings skip and list among their suppressed members."""

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

MAGIC = {"bounce": "bounce@example.com", "soft": "softbounce@example.com",
         "spam": "complaint@example.com", "leave": "unsubscribe@example.com",
         "click": "ann+click@example.com", "quiet": "sam+noengage@example.com"}


@pytest.fixture
def control(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url="http://mailtwin.test/__mailtwin") as http:
        yield http


def send(emma: httpx.Client, sandbox: MailtwinApp, **recipients: Any) -> int:
    """Mailing 200 sent again to the recipients given, through to completion."""
    created = emma.post("/100/mailings/200", json=recipients)
    assert created.status_code == 200, created.text
    ident: int = created.json()["mailing_id"]
    sandbox.runtime.clock.advance(timedelta(minutes=10))
    assert emma.get(f"/100/mailings/{ident}").json()["mailing_status"] == "c"
    return ident


def outbox(control: httpx.Client, mailing: int) -> list[dict[str, Any]]:
    found = control.get("/outbox", params={"provider": "emma", "mailing": str(mailing),
                                           "limit": 100}).json()
    messages: list[dict[str, Any]] = found["messages"]
    return messages


def members(emma: httpx.Client, mailing: int) -> dict[str, dict[str, Any]]:
    return {m["email"]: m for m in emma.get(f"/100/mailings/{mailing}/members").json()}


def test_a_completed_mailing_sends_each_member_a_personalized_message(
        emma: httpx.Client, sandbox: MailtwinApp, control: httpx.Client) -> None:
    mailing = send(emma, sandbox, recipient_emails=[MAGIC["quiet"]], recipient_groups=[151])
    sent = outbox(control, mailing)
    assert sorted(m["to"] for m in sent) == [
        "sam+noengage@example.com", "theiremma@myemma.com", "youremma@myemma.com"]
    assert emma.get(f"/100/mailings/{mailing}").json()["recipient_count"] == 3
    emmas = next(m for m in sent if m["to"] == "youremma@myemma.com")
    assert emmas["subject"] == "Sample Mailing for Emma Smith"
    assert emmas["sent_at"].startswith("2018-09-16T12:06:00")
    detail = control.get(f"/outbox/{emmas['id']}").json()
    assert (detail["from"], detail["from_name"]) == ("emma@myemma.com", "Kevin McConnell")
    assert detail["html"] == "<p>Hello Emma!</p>"
    assert detail["text"] == "Hello Emma!"
    assert detail["meta"] == {"member_id": 200}
    assert detail["headers"]["List-Unsubscribe"].startswith("<mailto:unsubscribe+")
    assert emma.get(f"/100/mailings/{mailing}/messages/200").json() == {
        "plaintext": "Hello Emma!", "subject": "Sample Mailing for Emma Smith",
        "html_body": "<p>Hello Emma!</p>", "webview_url": f"https://tracker/message/{mailing}/200"}
    nameless = next(m for m in sent if m["to"] == "sam+noengage@example.com")
    assert nameless["subject"] == "Sample Mailing for  "  # no fields: the tags are empty
    assert emma.get(f"/100/mailings/{mailing}/headsup").json() == []


def test_bounces_complaints_and_unsubscriptions_show_on_members_and_suppress_them(
        emma: httpx.Client, sandbox: MailtwinApp, control: httpx.Client) -> None:
    first = send(emma, sandbox, recipient_emails=list(MAGIC.values()))
    sandbox.runtime.clock.advance(timedelta(days=7))
    seen = members(emma, first)
    assert (seen[MAGIC["bounce"]]["status"], seen[MAGIC["bounce"]]["member_status_id"],
            seen[MAGIC["bounce"]]["bounce_count"]) == ("error", "e", 1)
    assert seen[MAGIC["bounce"]]["email_error"].startswith("550 5.1.1")
    assert (seen[MAGIC["soft"]]["status"], seen[MAGIC["soft"]]["bounce_count"]) == ("active", 1)
    for name in ("spam", "leave"):
        assert (seen[MAGIC[name]]["status"], seen[MAGIC[name]]["member_status_id"]) == (
            "opt-out", "o")
    for name in ("click", "quiet"):
        assert (seen[MAGIC[name]]["status"], seen[MAGIC[name]]["bounce_count"]) == ("active", 0)
    events = {m["to"]: m["events"] for m in outbox(control, first)}
    # Mailing 200's HTML has no link, so a clicker only opens it.
    assert events[MAGIC["click"]] == ["sent", "delivered", "opened"]
    assert events[MAGIC["bounce"]] == ["sent", "bounced"]
    assert events[MAGIC["quiet"]] == ["sent", "delivered"]

    again = send(emma, sandbox, recipient_emails=list(MAGIC.values()))
    assert sorted(m["to"] for m in outbox(control, again)) == sorted(
        MAGIC[name] for name in ("soft", "click", "quiet"))
    assert emma.get(f"/100/mailings/{again}").json()["recipient_count"] == 3
    suppressed = emma.get(f"/100/mailings/{again}/suppressed_members").json()
    assert sorted((m["email"], m["status"]) for m in suppressed) == sorted([
        (MAGIC["bounce"], "error"), (MAGIC["spam"], "opt-out"), (MAGIC["leave"], "opt-out")])


def test_a_group_counts_its_members_as_their_statuses_change(
        emma: httpx.Client, sandbox: MailtwinApp) -> None:
    before = emma.get("/100/mailings/200/groups").json()[0]
    mailing = send(emma, sandbox, recipient_groups=[151])
    sandbox.runtime.clock.advance(timedelta(days=7))
    assert [emma.get(f"/100/mailings/{mailing}/messages/{ident}").status_code
            for ident in (200, 201)] == [200, 200]
    tenant = sandbox.runtime.store.tenant("emma", "public-key")
    now = {ident: tenant.collections["member"].get(ident)["status"] for ident in (200, 201)}
    group = emma.get(f"/100/mailings/{mailing}/groups").json()[0]
    assert group["active_count"] == before["active_count"] - sum(
        s != "active" for s in now.values())
    assert group["error_count"] == before["error_count"] + sum(s == "error" for s in now.values())
    assert group["optout_count"] == before["optout_count"] + sum(
        s == "opt-out" for s in now.values())


def _run(emma: httpx.Client, sandbox: MailtwinApp) -> list[Any]:
    """Mailing 200 to twenty seeded members (ordinary addresses), read a week later."""
    listed = [{"email": m["email"], "member_id": m["member_id"]}
              for m in (emma.get("/100/mailings/200/members").json())]
    mailing = send(emma, sandbox, recipient_emails=[f"member{n}@example.com" for n in range(20)])
    sandbox.runtime.clock.advance(timedelta(days=7))
    return [listed, emma.get(f"/100/mailings/{mailing}").json()["recipient_count"],
            sorted(members(emma, mailing).items())]


def test_ordinary_addresses_get_the_same_outcome_from_the_same_seed(
        emma: httpx.Client, sandbox: MailtwinApp, reset_sandbox: Sandbox,
        control: httpx.Client) -> None:
    first = _run(emma, sandbox)
    reset(reset_sandbox, clock=SEED_TIME)
    assert _run(emma, sandbox) == first
    sent = control.get("/outbox", params={"provider": "emma", "limit": 500}).json()["messages"]
    by_address = {m["to"]: m["events"] for m in sent}
    for email, member in first[2]:
        events = by_address[email]
        assert member["bounce_count"] == events.count("bounced")
        assert (member["status"] == "opt-out") == (
            "complained" in events or "unsubscribed" in events)


def test_a_tenant_made_after_its_mailings_went_out_holds_their_messages_quietly(
        emma: httpx.Client, sandbox: MailtwinApp, control: httpx.Client) -> None:
    sandbox.runtime.clock.set(SEED_TIME + timedelta(days=14))
    done = emma.get("/100/mailings/211").json()
    assert done["mailing_status"] == "c"
    sent = outbox(control, 211)
    assert len(sent) == done["recipient_count"] > 0
    assert all(len(m["events"]) > 1 for m in sent)  # a week on, each has its outcome
    assert [e for e in sandbox.runtime.bus.since() if e.kind.startswith("message.")] == []
    later = send(emma, sandbox, recipient_emails=[MAGIC["quiet"]])
    assert [e.kind for e in sandbox.runtime.bus.since() if e.kind.startswith("message.")
            and e.data["mailing"]["id"] == later] == ["message.sent", "message.delivered"]
