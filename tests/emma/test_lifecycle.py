"""Mailing lifecycle: status changes, archive and cancel, and timed moves on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from mailtwin import MailtwinApp
from mailtwin.lifecycle import Moved


def advance(sandbox: MailtwinApp, **delta: float) -> list[Moved]:
    sandbox.runtime.clock.advance(timedelta(**delta))
    return sandbox.runtime.tick()


def test_scheduled_mailing_is_sent_when_its_time_comes(emma: httpx.Client,
                                                       sandbox: MailtwinApp) -> None:
    assert emma.get("/100/mailings/211").json()["mailing_status"] == "p"
    sandbox.runtime.clock.set(datetime(2018, 9, 22, 10, 29, tzinfo=UTC))
    assert emma.get("/100/mailings/211").json()["mailing_status"] == "p"
    advance(sandbox, minutes=1)
    calendar = emma.get("/100/calendar?start_date=2018-09-22&end_date=2018-09-22").json()
    injecting = [m for m in calendar if m["mailing_id"] == 211]
    assert [m["mailing_status"] for m in injecting] == ["i"]
    assert injecting[0]["send_started"] == "@D:2018-09-22T10:30:00"
    assert (injecting[0]["year"], injecting[0]["month"], injecting[0]["day"],
            injecting[0]["hour"]) == (2018, 9, 22, 10)
    # Members 200 and 201, named and in group 151, each counted once; one whose earlier
    # messages (mailings 202 to 204 went out that week) bounced hard is skipped.
    members = emma.get("/100/mailings/211/members").json()
    assert {m["member_id"] for m in members} == {200, 201}
    assert injecting[0]["recipient_count"] == sum(m["status"] == "active" for m in members)
    advance(sandbox, minutes=1)
    assert emma.get("/100/mailings/211").json()["mailing_status"] == "s"
    advance(sandbox, minutes=5)
    done = emma.get("/100/mailings/211").json()
    assert done["mailing_status"] == "c"
    assert done["send_finished"] == "@D:2018-09-22T10:36:00"


def test_a_long_jump_fires_every_move_in_order_once(emma: httpx.Client,
                                                     sandbox: MailtwinApp) -> None:
    emma.get("/100/mailings/211")
    sandbox.runtime.clock.set(datetime(2018, 9, 30, tzinfo=UTC))
    moved = sandbox.runtime.tick()
    mine = [(m.ident, m.source, m.target, m.at) for m in moved if m.ident == 211]
    assert mine == [(211, "p", "i", "2018-09-22T10:30:00Z"),
                    (211, "i", "s", "2018-09-22T10:31:00Z"),
                    (211, "s", "c", "2018-09-22T10:36:00Z")]
    assert sandbox.runtime.tick() == []


def test_paused_mailing_waits_and_resumes(emma: httpx.Client, sandbox: MailtwinApp) -> None:
    assert emma.put("/100/mailings/211", json={"status": "paused"}).json() == "a"
    sandbox.runtime.clock.set(datetime(2018, 9, 23, tzinfo=UTC))
    assert emma.get("/100/mailings/211").json()["mailing_status"] == "a"
    assert emma.put("/100/mailings/211", json={"status": "ready"}).json() == "p"
    advance(sandbox, hours=1)
    assert emma.get("/100/mailings/211").json()["mailing_status"] == "c"


def test_canceled_mailing_leaves_the_normal_list(emma: httpx.Client) -> None:
    assert emma.delete("/100/mailings/cancel/201").json() is True
    listed = [m["mailing_id"] for m in emma.get("/100/mailings?end=500").json()]
    assert 201 not in listed
    canceled = emma.get("/100/mailings?mailing_statuses=x").json()
    assert 201 in [m["mailing_id"] for m in canceled]
    assert emma.get("/100/mailings/201").json()["mailing_status"] == "x"


def test_archived_mailing_is_hidden_unless_asked_for(emma: httpx.Client) -> None:
    assert emma.delete("/100/mailings/200").json() is True
    assert 200 not in [m["mailing_id"] for m in emma.get("/100/mailings?end=500").json()]
    archived = emma.get("/100/mailings?include_archived=true&end=500").json()
    shown = next(m for m in archived if m["mailing_id"] == 200)
    assert shown["archived_ts"] == "@D:2018-09-16T12:00:00"


def test_resend_inherits_content_and_is_sent(emma: httpx.Client, sandbox: MailtwinApp) -> None:
    created = emma.post("/100/mailings/200", json={
        "recipient_emails": ["michelle@myemma.com"], "recipient_groups": [151],
        "sender": "Donna Smith", "heads_up_emails": ["boss@myemma.com"]}).json()
    new_id = created["mailing_id"]
    detail = emma.get(f"/100/mailings/{new_id}").json()
    original = emma.get("/100/mailings/200").json()
    assert detail["subject"] == original["subject"]
    assert detail["html_body"] == original["html_body"]
    assert detail["sender"] == "Donna Smith"
    assert detail["parent_mailing_id"] is None or detail["parent_mailing_id"] == 200
    assert detail["recipient_groups"] == [{"member_group_id": 151, "name": "Widget Buyers"}]
    assert [m["email"] for m in detail["recipient_members"]] == ["michelle@myemma.com"]
    assert emma.get(f"/100/mailings/{new_id}/headsup").json() == [
        {"sent_ts": None, "email": "boss@myemma.com", "mailing_id": new_id}]
    advance(sandbox, hours=2)
    assert emma.get(f"/100/mailings/{new_id}").json()["mailing_status"] == "c"
    member_id = detail["recipient_members"][0]["member_id"]
    message = emma.get(f"/100/mailings/{new_id}/messages/{member_id}").json()
    assert message["plaintext"] == "Hello !"


def test_forward_adds_unknown_recipients_as_forwarded(emma: httpx.Client) -> None:
    new_id = emma.post("/100/forwards/200/200", json={
        "recipient_emails": ["alex@myemma.com", "theiremma@myemma.com"]}).json()["mailing_id"]
    assert new_id == 1024
    members = {m["email"]: m for m in emma.get(f"/100/mailings/{new_id}/members").json()}
    assert members["alex@myemma.com"]["status"] == "forwarded"
    assert members["alex@myemma.com"]["member_status_id"] == "f"
    assert members["theiremma@myemma.com"]["status"] == "active"


def test_messages_are_personalized_with_member_fields(emma: httpx.Client,
                                                      sandbox: MailtwinApp) -> None:
    message = emma.get("/100/mailings/211/messages/200").json()
    assert message["subject"] == "Scheduled Mailing"
    assert message["html_body"] == "<p>Hi Emma, see you soon.</p>"
    assert message["webview_url"] == "https://tracker/message/211/200"
    assert emma.get("/100/mailings/211/messages/200?type=subject").json() == {
        "subject": "Scheduled Mailing"}


def test_a_sent_message_keeps_the_fields_it_was_sent_with(emma: httpx.Client,
                                                          sandbox: MailtwinApp) -> None:
    sandbox.runtime.clock.set(datetime(2018, 9, 22, 11, tzinfo=UTC))
    assert emma.get("/100/mailings/211").json()["mailing_status"] == "c"
    tenant = sandbox.runtime.store.tenant("emma", "public-key")
    tenant.collections["member"].update(200, {"fields": {"first_name": "Renamed"}})
    assert emma.get("/100/mailings/211/messages/200").json()["plaintext"] == (
        "Hi Emma, see you soon.")


def test_tenants_never_see_each_other(sandbox: MailtwinApp, emma: httpx.Client) -> None:
    assert emma.put("/100/mailings/211", json={"status": "paused"}).json() == "a"
    from mailtwin.inprocess import client

    with client(sandbox, base_url="http://mailtwin.test/emma",
                auth=("another-key", "secret")) as other:
        assert other.get("/100/mailings/211").json()["mailing_status"] == "p"
    assert emma.get("/100/mailings/211").json()["mailing_status"] == "a"
