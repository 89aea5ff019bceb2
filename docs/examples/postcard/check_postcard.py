"""The postcard example at work, as docs/writing-a-provider.md shows it (the test suite runs
these functions against the example)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from mailtwin import MailtwinApp

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_a_campaign_goes_out_at_its_time(postcard: httpx.Client, app: MailtwinApp) -> None:
    created = postcard.post("/campaigns", json={"subject": "Spring sale", "list_id": 1,
                                                "send_at": "2026-03-01T10:00:00Z"})
    assert created.status_code == 201
    campaign = created.json()["data"]
    assert (campaign["id"], campaign["status"]) == (1, "draft")
    assert postcard.post("/campaigns/1/schedule").json()["data"]["status"] == "scheduled"
    app.runtime.clock.advance(timedelta(hours=2))
    sent = postcard.get("/campaigns/1").json()["data"]
    assert (sent["status"], sent["recipients"]) == ("sent", 1200)


def test_a_campaign_names_an_existing_list(postcard: httpx.Client) -> None:
    refused = postcard.post("/campaigns", json={"subject": "Hi", "list_id": 9,
                                                "send_at": "2026-03-02T10:00:00Z"})
    assert refused.status_code == 400
    assert refused.json() == {"detail": [{"loc": ["body", "list_id"],
                                          "msg": "list 9 does not exist",
                                          "type": "bad_request"}]}


def test_only_drafts_are_tested(postcard: httpx.Client, app: MailtwinApp) -> None:
    postcard.post("/campaigns", json={"subject": "Hi", "list_id": 2,
                                      "send_at": "2026-03-02T10:00:00Z"})
    tested = postcard.post("/campaigns/1/test", json={"email": "me@example.com"})
    assert tested.json() == {"sent": True, "to": "me@example.com"}
    assert [e.data for e in app.runtime.bus.since(kind="campaign.tested")] == [
        {"id": 1, "to": "me@example.com"}]
    postcard.post("/campaigns/1/schedule")
    refused = postcard.post("/campaigns/1/test", json={"email": "me@example.com"})
    assert (refused.status_code, refused.json()["detail"][0]["msg"]) == (
        400, "campaign 1 is scheduled; only drafts are tested")
