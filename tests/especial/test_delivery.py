"""A campaign to a list of magic and ordinary addresses, end to end over HTTP: its messages in
the outbox, their bounces, suppressions, opens, clicks and unsubscribes in Especial's own
reports, logs, link stats and contact statuses."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.policy import default

import httpx
import pytest

from mailtwin import MailtwinApp, Sandbox
from tests.especial.conftest import NOW

LINK = "https://shop.example.com/spring"
MAGIC = {"bounce@example.com": "bounce_hb", "ann+softbounce@example.com": "bounce_sb",
         "complaint@example.com": "spam", "unsubscribe@example.com": "unsubscribe",
         "open@example.com": "open", "ann+click@example.com": "clickthru",
         "noengage@example.com": None}
WEEK = 7 * 86400


@pytest.fixture
def control(sandbox: MailtwinApp) -> Iterator[Sandbox]:
    with Sandbox(app=sandbox) as driver:
        yield driver


def _list_with_magic(especial: httpx.Client) -> dict[str, int]:
    """Contact ids of the magic addresses added to list 1 (beside its ordinary contacts)."""
    ids = {}
    for address in MAGIC:
        made = especial.post("/lists/1/contacts", json={
            "email": address, "custom_attributes": [{"name": "first_name", "value": "Ann"}]})
        assert made.status_code == 201, made.text
        ids[address] = made.json()["id"]
    return ids


def _send_campaign_2(especial: httpx.Client, control: Sandbox) -> None:
    edited = especial.patch("/campaigns/2", json={"content": {
        "subject": "Spring for {{ first_name }}",
        "html": f'<p>Hi {{{{ first_name }}}}, <a href="{LINK}">spring is here</a>.</p>',
        "text": "Hi {{ first_name }}, spring is here."}})
    assert edited.status_code == 200, edited.text
    assert especial.post("/campaigns/2/schedule", json={"date": NOW + 100}).status_code == 200
    control.clock.advance(seconds=100 + 61)


def test_a_campaign_reaches_magic_and_ordinary_addresses(
        especial: httpx.Client, control: Sandbox) -> None:
    contacts = _list_with_magic(especial)
    _send_campaign_2(especial, control)
    recipients = especial.get("/lists/1/contacts?filter=status==active&with_count=true"
                              ).json()["pagination"]["count"]
    assert len(control.outbox("especial", resource="campaign", mailing=2)) == recipients
    control.clock.advance(seconds=WEEK)

    # Each magic address got its outcome, in the campaign's log.
    logs = especial.get("/logs/campaigns/2?per_page=1000").json()["data"]
    for address, kind in MAGIC.items():
        kinds = {row["type"] for row in logs if row["email"] == address}
        assert "sent" in kinds
        if kind is None:
            assert kinds == {"sent"}, address
        else:
            assert kind in kinds, (address, kinds)
    click = next(r for r in logs if r["email"] == "ann+click@example.com"
                 and r["type"] == "clickthru")
    assert click["clickthru_url"] == LINK
    bounce = next(r for r in logs if r["email"] == "bounce@example.com")
    assert bounce["type"] in ("sent", "bounce_hb")

    # The report counts what the log holds.
    report = especial.get("/reports/campaigns/2").json()["data"]
    assert report["sent_emails"] == recipients
    assert report["bounces_hard"] == sum(1 for r in logs if r["type"] == "bounce_hb") >= 1
    assert report["bounces_soft"] == sum(1 for r in logs if r["type"] == "bounce_sb") >= 1
    assert report["spams"] == sum(1 for r in logs if r["type"] == "spam") >= 1
    assert report["unsubscribes"] == sum(1 for r in logs if r["type"] == "unsubscribe") >= 1
    assert report["opens"] == sum(1 for r in logs if r["type"] == "open")
    assert report["unique_opens"] >= 3  # open@, click@ and unsubscribe@ at least
    assert report["unique_clicks"] >= 1
    stats = especial.get("/reports/campaigns/2/links").json()["data"]
    assert [(s["link"], s["total"]) for s in stats] == [(LINK, report["clicks"])]

    # Contacts: the bounce counted, the unsubscribe made.
    bounced = especial.get(f"/lists/1/contacts/{contacts['bounce@example.com']}").json()["data"]
    assert (bounced["bounces_count"], bounced["last_bounce_type"]) == (1, "hard")
    soft = especial.get(f"/lists/1/contacts/{contacts['ann+softbounce@example.com']}"
                        ).json()["data"]
    assert (soft["bounces_count"], soft["last_bounce_type"]) == (1, "soft")
    left = especial.get(f"/lists/1/contacts/{contacts['unsubscribe@example.com']}"
                        ).json()["data"]
    assert left["status"] == "unsubscribed"

    # Hard bounces and complaints are suppressed; soft bounces are not.
    held = {row["email"]: row["source"] for row in especial.get(
        "/suppressed-emails?per_page=1000").json()["data"]}
    assert held["bounce@example.com"] == "hard_bounce"
    assert held["complaint@example.com"] == "complaint"
    assert "ann+softbounce@example.com" not in held

    # The outbox holds each message as rendered for its recipient.
    [sent] = control.outbox("especial", to="ann+click@example.com")
    assert sent["subject"] == "Spring for Ann"
    assert sent["events"][:4] == ["sent", "delivered", "opened", "clicked"] or \
        "clicked" in sent["events"]
    message = control.message(sent["id"])
    assert message["html"] == f'<p>Hi Ann, <a href="{LINK}">spring is here</a>.</p>'
    assert message["text"] == "Hi Ann, spring is here."
    assert message["meta"] == {"contact_id": contacts["ann+click@example.com"], "list_id": 1}
    assert message["headers"]["List-Unsubscribe"].startswith("<mailto:unsubscribe+")
    clicked = [e for e in message["timeline"] if e["type"] == "clicked"]
    assert clicked and clicked[0]["url"] == LINK
    parsed = email.message_from_bytes(control.eml(sent["id"]), policy=default)
    assert parsed["To"] == "ann+click@example.com"
    assert parsed["From"] == "Demo News <news@demo.example.com>"
    assert parsed["Subject"] == "Spring for Ann"
    html = parsed.get_body(("html",))
    assert html is not None and "Hi Ann" in html.get_content()
    assert control.outbox("especial", event="bounced", to="bounce@example.com")


def test_a_later_campaign_skips_the_suppressed(especial: httpx.Client, control: Sandbox) -> None:
    _list_with_magic(especial)
    _send_campaign_2(especial, control)
    control.clock.advance(seconds=WEEK)
    made = especial.post("/campaigns", json={
        "name": "Again", "audience": {"list_id": 1},
        "sender": {"id": "news-desk", "name": "Demo News"},
        "content": {"subject": "Again", "html": "<p>Again</p>"}})
    assert made.status_code == 201, made.text
    ident = made.json()["id"]
    when = int(control.clock.now().timestamp()) + 60
    assert especial.post(f"/campaigns/{ident}/schedule", json={"date": when}).status_code == 200
    control.clock.advance(seconds=120)
    reached = {m["to"] for m in control.outbox("especial", mailing=ident, resource="campaign")}
    assert reached and "ann+click@example.com" in reached
    assert not reached & {"bounce@example.com", "complaint@example.com",
                          "unsubscribe@example.com"}
    assert "ann+softbounce@example.com" in reached


def test_the_same_seed_gives_the_same_outcomes(especial: httpx.Client, control: Sandbox
                                               ) -> None:
    def outcomes() -> dict[str, list[str]]:
        _send_campaign_2(especial, control)
        control.clock.advance(seconds=WEEK)
        return {m["to"]: m["events"] for m in control.outbox("especial", mailing=2)}

    first = outcomes()
    control.reset(clock="2018-09-16T12:00:00Z")
    assert outcomes() == first
    assert any("opened" in events for events in first.values())


def test_message_events_reach_the_event_bus_when_they_happen(
        especial: httpx.Client, control: Sandbox, sandbox: MailtwinApp) -> None:
    _list_with_magic(especial)
    bus = sandbox.runtime.bus
    _send_campaign_2(especial, control)
    sent = [e for e in bus.since() if e.kind == "message.sent"
            and e.data["to"] == "ann+click@example.com"]
    assert [e.data["mailing"] for e in sent] == [{"resource": "campaign", "id": 2}]
    assert sent[0].data["subject"] == "Spring for Ann" and sent[0].provider == "especial"
    assert not [e for e in bus.since() if e.kind == "message.clicked"]
    control.clock.advance(seconds=WEEK)
    clicks = [e for e in bus.since(kind="message.clicked")
              if e.data["to"] == "ann+click@example.com"]
    assert clicks and clicks[0].data["url"] == LINK
    assert clicks[0].at <= control.clock.now().timestamp()
    bounces = [e for e in bus.since(kind="message.bounced")
               if e.data["to"] == "bounce@example.com"]
    assert bounces[0].data["bounce"] == "hard" and bounces[0].data["reason"].startswith("550")


def test_a_tenant_created_late_sends_its_due_campaigns_without_news(
        sandbox: MailtwinApp, control: Sandbox) -> None:
    control.clock.set("2018-09-30T12:00:00Z")  # after campaign 3's send time (09-20)
    bus = sandbox.runtime.bus
    seen = bus.events[-1].seq if bus.events else 0
    with control.client("especial", headers={"Authorization": "Bearer late"}) as late:
        assert late.get("/campaigns/3").json()["data"]["status"] == "delivered"
        report = late.get("/reports/campaigns/3").json()["data"]
    assert report["sent_emails"] == 120 and report["unique_opens"] > 0
    assert [e.kind for e in bus.since(seen) if e.kind.startswith("message.")] == []
