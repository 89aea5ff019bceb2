"""Transactional email templates (send, test, render) and the Email API's activity logs,
summary and interval report."""

from __future__ import annotations

import json
from typing import Any

import httpx

from mailtwin import MailtwinApp
from tests.especial.conftest import NOW, Clock

TEMPLATE = {"name": "Receipt", "sender": {"id": "news-desk"},
            "content": {"type": "html", "subject": "Thanks {{ first_name }}",
                        "html": "<p>Hi {{ first_name }} from {{ city }}</p>"}}
SUBMIT = {"sender": {"id": "news-desk"}, "email": "ann@example.com", "tags": ["receipt"],
          "content": {"subject": "Your order", "type": "transactional", "html": "<p>Hi</p>"}}


def _template(especial: httpx.Client, list_id: int = 1) -> str:
    created = especial.post(f"/lists/{list_id}/transactional-email-templates", json=TEMPLATE)
    assert created.status_code == 201
    return f"/lists/{list_id}/transactional-email-templates/{created.json()['id']}"


def _sent_logs(especial: httpx.Client) -> list[dict[str, Any]]:
    logs = especial.get("/logs/emails?log_type=sent&per_page=100").json()["data"]
    return list(logs)


def test_a_template_sends_to_a_contact_and_counts_as_a_transactional_send(
        especial: httpx.Client) -> None:
    path = _template(especial)
    answer = especial.post(f"{path}/send", json={
        "contact_id": 1, "custom_attributes": [{"name": "city", "value": "Paris"}]})
    assert answer.status_code == 200
    assert answer.json() == {"email": "ada@demo.example.com",
                             "object": "transactional-email-template", "sent": True,
                             "data": {"contact_id": 1}}
    logs = _sent_logs(especial)
    assert [log["email"] for log in logs] == ["ada@demo.example.com"]
    report = especial.get(f"/reports/emails?start_time={NOW - 60}&end_time={NOW}").json()
    assert sum(row["sent_emails"] for row in report["data"]) == 1
    contact = especial.get("/lists/1/contacts/1").json()["data"]
    city = [a["value"] for a in contact["custom_attributes"] if a["name"] == "city"]
    assert city == ["London"]  # the overriding attribute is not saved


def test_the_send_records_the_merged_template(sandbox: MailtwinApp,
                                             especial: httpx.Client) -> None:
    path = _template(especial)
    especial.post(f"{path}/send", json={"contact_id": 1, "sender": {"id": "news-desk",
                                                                    "name": "Shop"}})
    tenant = sandbox.runtime.store.tenant("especial", "demo-token")
    sends = list(tenant.collections["transactional_email"].records.values())
    assert sends[-1]["content"] == {"type": "html", "subject": "Thanks Ada",
                                    "html": "<p>Hi Ada from London</p>"}
    assert sends[-1]["sender"] == {"id": "news-desk", "email": "news@demo.example.com",
                                   "name": "Shop"}
    assert sends[-1]["submitted_time"] == NOW and sends[-1]["contact_id"] == 1


def test_an_inactive_template_does_not_send(sandbox: MailtwinApp,
                                            especial: httpx.Client) -> None:
    path = _template(especial)
    tenant = sandbox.runtime.store.tenant("especial", "demo-token")
    template_id = int(path.rsplit("/", 1)[1])
    tenant.collections["transactional_email_template"].update(template_id,
                                                              {"status": "inactive"})
    answer = especial.post(f"{path}/send", json={"contact_id": 1})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["msg"] == (
        f"transactional email template {template_id} is inactive; only an active template "
        "sends")
    assert _sent_logs(especial) == []


def test_a_send_to_an_address_adds_it_to_the_list(especial: httpx.Client) -> None:
    path = _template(especial)
    answer = especial.post(f"{path}/send", json={"email": "newcomer@example.com"})
    assert answer.status_code == 200
    contact_id = answer.json()["data"]["contact_id"]
    contact = especial.get(f"/lists/1/contacts/{contact_id}").json()["data"]
    assert contact["email"] == "newcomer@example.com" and contact["status"] == "active"
    again = especial.post(f"{path}/send", json={"email": "ADA@demo.example.com"})
    assert again.json()["data"] == {"contact_id": 1}


def test_refused_sends_change_nothing(especial: httpx.Client) -> None:
    path = _template(especial)
    cases = [
        ({"contact_id": 999}, "contact 999 does not exist in list 1", ["body", "contact_id"]),
        ({"email": "joe@blocked.example.net"},
         "joe@blocked.example.net is suppressed; it receives no email", ["body", "email"]),
        ({"contact_id": 1, "sender": {"id": "offers-desk"}},
         "sender offers-desk (offers@demo.example.com) is not confirmed",
         ["body", "sender", "id"]),
        ({"contact_id": 1, "sender": {"id": "ghost"}}, "sender ghost does not exist",
         ["body", "sender", "id"]),
    ]
    for body, message, location in cases:
        answer = especial.post(f"{path}/send", json=body)
        assert answer.status_code == 400, body
        assert answer.json()["detail"][0]["msg"] == message
        assert answer.json()["detail"][0]["loc"] == location
    assert _sent_logs(especial) == []  # the fixture's past send has no message
    listed = especial.get("/lists/1/contacts?filter=email==joe@blocked.example.net").json()
    assert listed["data"] == []


def test_a_suppressed_contact_gets_nothing(especial: httpx.Client) -> None:
    path = _template(especial)
    especial.post("/suppressed-emails", json={"email": "ada@demo.example.com"})
    answer = especial.post(f"{path}/send", json={"contact_id": 1})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "contact_id"]


def test_an_unsubscribed_contact_needs_resubscribe(especial: httpx.Client) -> None:
    path = _template(especial)
    especial.post("/lists/1/contacts/1/unsubscribe")
    refused = especial.post(f"{path}/send", json={"contact_id": 1})
    assert refused.status_code == 400
    assert refused.json()["detail"][0]["loc"] == ["body", "resubscribe"]
    sent = especial.post(f"{path}/send", json={"contact_id": 1, "resubscribe": True})
    assert sent.status_code == 200
    assert especial.get("/lists/1/contacts/1").json()["data"]["status"] == "active"


def test_an_unknown_list_or_template_is_a_404(especial: httpx.Client) -> None:
    path = _template(especial)
    template_id = path.rsplit("/", 1)[1]
    other_list = especial.post(f"/lists/2/transactional-email-templates/{template_id}/send",
                               json={"contact_id": 1})
    assert other_list.status_code == 404
    assert especial.post("/lists/99/transactional-email-templates/1/send",
                         json={"contact_id": 1}).status_code == 404


def test_a_test_send_is_counted_nowhere(sandbox: MailtwinApp, especial: httpx.Client) -> None:
    path = _template(especial)
    answer = especial.post(f"{path}/send-test", json={"email": "qa@example.com"})
    assert answer.status_code == 200
    assert answer.json() == {"object": "transactional-email-test", "sent": True}
    tenant = sandbox.runtime.store.tenant("especial", "demo-token")
    assert [t["email"] for t in tenant.extra["template_test_sends"]] == ["qa@example.com"]
    assert _sent_logs(especial) == []
    blocked = especial.post(f"{path}/send-test", json={"email": "joe@blocked.example.net"})
    assert blocked.status_code == 400
    assert blocked.json()["detail"][0]["loc"] == ["body", "email"]


def test_render_merges_the_contact_and_the_given_attributes(especial: httpx.Client) -> None:
    path = _template(especial)
    page = especial.post(f"{path}/render", json={"contact_id": 1})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text == "<p>Hi Ada from London</p>"
    other = especial.post(f"{path}/render", json={
        "contact_id": 1, "custom_attributes": [{"name": "first_name", "value": "Augusta"}]})
    assert other.text == "<p>Hi Augusta from London</p>"
    missing = especial.post(f"{path}/render", json={"contact_id": 5000})
    assert missing.status_code == 400
    assert missing.json()["detail"][0]["loc"] == ["body", "contact_id"]


def _submit(especial: httpx.Client, **changes: Any) -> str:
    answer = especial.post("/v2/emails", json={**SUBMIT, **changes})
    assert answer.status_code == 201
    return str(answer.json()["data"]["id"])


def test_activity_logs_list_each_emails_events(especial: httpx.Client, clock: Clock) -> None:
    first = _submit(especial)
    clock.advance(60)
    blocked = _submit(especial, email="joe@blocked.example.net", tags=["reset"])
    answer = especial.get("/v2/logs/emails")
    assert answer.status_code == 200
    body = answer.json()
    assert [(e["email_id"], e["type"]) for e in body["data"]] == [
        (blocked, "rejected"), (blocked, "submitted"), (first, "delivered"), (first, "queued"),
        (first, "submitted")]
    assert NOW < body["data"][2]["time"] <= NOW + 30  # delivered on the clock
    event = body["data"][3]
    assert event["time"] == NOW and event["subject"] == "Your order"
    assert event["sender_email"] == "news@demo.example.com" and event["tags"] == ["receipt"]
    assert body["pagination"] == {"page": 1, "per_page": 50, "has_more": False}
    assert body["parameters"]["end_time"] == NOW + 60
    only = especial.get(f"/v2/logs/emails?log_type=queued&email_id={first}&sort=time")
    assert [e["type"] for e in only.json()["data"]] == ["queued"]
    iso = especial.get("/v2/logs/emails?iso_time=true&per_page=1").json()
    assert iso["data"][0]["time"] == "2018-09-16T12:01:00Z"
    assert iso["pagination"]["has_more"] is True


def test_activity_filters_by_tags_and_providers(especial: httpx.Client) -> None:
    kept = _submit(especial, tags=["receipt", "shop"])
    _submit(especial, tags=["receipt", "test"])
    tags = json.dumps({"and": ["receipt", {"not": "test"}]})
    answer = especial.get("/v2/logs/emails", params={"tags": tags, "log_type": "submitted"})
    assert [e["email_id"] for e in answer.json()["data"]] == [kept]
    assert answer.json()["parameters"]["tags"] == json.loads(tags)
    providers = {"providers": json.dumps({"is": "elsewhere"})}
    assert especial.get("/v2/logs/emails", params=providers).json()["data"] == []
    bad = especial.get("/v2/logs/emails", params={"tags": "receipt"})
    assert bad.status_code == 400
    assert bad.json()["detail"][0]["loc"] == ["query", "tags"]


def test_activity_refuses_unknown_sorts_and_reversed_windows(especial: httpx.Client) -> None:
    sort = especial.get("/v2/logs/emails?sort=-email")
    assert sort.status_code == 400 and sort.json()["detail"][0]["loc"] == ["query", "sort"]
    window = especial.get(f"/logs/emails-summary?start_time={NOW}&end_time={NOW - 1}")
    assert window.status_code == 400
    assert window.json()["detail"][0]["loc"] == ["query", "end_time"]


def test_the_summary_has_one_row_per_email(especial: httpx.Client, clock: Clock) -> None:
    first = _submit(especial)
    clock.advance(30)
    rejected = _submit(especial, email="joe@blocked.example.net")
    rows = especial.get("/logs/emails-summary").json()["data"]
    assert [(r["email_id"], r["status"]) for r in rows] == [
        (rejected, "rejected"), (first, "delivered")]  # within 30 s of its submission
    assert rows[1] | {"submitted_time": NOW} == rows[1]
    assert rows[1]["open"] == 0 and rows[1]["hard_bounce"] is False
    by_status = especial.get("/logs/emails-summary?status=rejected").json()["data"]
    assert [r["email_id"] for r in by_status] == [rejected]
    like = especial.get("/logs/emails-summary", params={"email": "~~blocked"}).json()["data"]
    assert [r["email_id"] for r in like] == [rejected]
    unlike = especial.get("/logs/emails-summary", params={"email": "!~blocked"}).json()["data"]
    assert [r["email_id"] for r in unlike] == [first]
    assert especial.get("/logs/emails-summary?engagement=open").json()["data"] == []
    assert len(especial.get("/logs/emails-summary?engagement=none").json()["data"]) == 2


def test_the_report_counts_emails_per_interval(especial: httpx.Client, clock: Clock) -> None:
    _submit(especial)
    _submit(especial, email="joe@blocked.example.net")
    clock.advance(3600)
    _submit(especial)
    start = NOW - NOW % 3600
    answer = especial.get(
        f"/v2/reports/emails?interval=1h&start_time={start}&end_time={NOW + 3600}")
    assert answer.status_code == 200
    rows = answer.json()["data"]
    assert [(r["interval_start"], r["submitted"], r["rejected"], r["queued"]) for r in rows] \
        == [(start, 2, 1, 1), (start + 3600, 1, 0, 1)]
    assert rows[0]["reject_rate"] == 0.5 and rows[0]["delivered"] == 1
    assert rows[0]["delivery_rate"] == 0.5
    assert answer.json()["parameters"]["interval"] == "1h"
    daily = especial.get("/v2/reports/emails").json()["data"]
    assert sum(r["submitted"] for r in daily) == 3 and len(daily) == 8
    too_many = especial.get("/v2/reports/emails?interval=5m&start_time=1")
    assert too_many.status_code == 400
    assert too_many.json()["detail"][0]["loc"] == ["query", "interval"]


def test_an_email_id_must_be_a_uuid(especial: httpx.Client) -> None:
    for path in ("/v2/logs/emails", "/logs/emails-summary"):
        answer = especial.get(f"{path}?email_id=not-a-uuid")
        assert answer.status_code == 422
        assert answer.json()["detail"] == [{"loc": ["query", "email_id"],
                                            "msg": '"not-a-uuid" is not a "uuid"',
                                            "type": "value_error"}]
    shown = especial.get("/v2/emails/not-a-uuid")
    assert shown.status_code == 422
    assert shown.json()["detail"][0]["loc"] == ["path", "email_id"]
    first = _submit(especial)
    upper = especial.get(f"/logs/emails-summary?email_id={first.upper()}&tags=").json()
    assert [r["email_id"] for r in upper["data"]] == [first]


def test_the_activity_follows_each_emails_events(especial: httpx.Client, clock: Clock) -> None:
    opened = _submit(especial, email="open@example.com")
    bounced = _submit(especial, email="bounce@example.com")
    clock.advance(7 * 86400)
    logs = especial.get(f"/v2/logs/emails?email_id={opened}&sort=time").json()["data"]
    assert [e["type"] for e in logs] == ["submitted", "queued", "delivered", "open"]
    rows = {r["email_id"]: r for r in especial.get(
        f"/logs/emails-summary?start_time={NOW}").json()["data"]}
    assert (rows[opened]["status"], rows[opened]["open"]) == ("delivered", 1)
    assert rows[bounced]["hard_bounce"] is True
    bounces = especial.get(f"/logs/emails-summary?status=bounced&start_time={NOW}").json()
    assert [r["email_id"] for r in bounces["data"]] == [bounced]
    engaged = especial.get(f"/logs/emails-summary?engagement=open&start_time={NOW}").json()
    assert [r["email_id"] for r in engaged["data"]] == [opened]
    shown = especial.get(f"/v2/emails/{opened}").json()
    assert (shown["status"], shown["open"], shown["click"]) == ("delivered", 1, 0)
    assert especial.get(f"/v2/emails/{bounced}").json()["hard_bounced"] is True
    later = _submit(especial, email="bounce@example.com")
    rejected = especial.get(f"/v2/logs/emails?email_id={later}").json()["data"]
    assert [e["type"] for e in rejected] == ["rejected", "submitted"]
