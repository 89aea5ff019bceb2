"""The whole flow a client follows: log in, build a list, a sender and a campaign, schedule it,
let the clock deliver it, read its report and logs."""

from __future__ import annotations

import httpx

from tests.especial.conftest import NOW, Clock


def test_login_to_report_without_a_single_error(anonymous: httpx.Client, clock: Clock) -> None:
    token = anonymous.post("/token", data={"username": "flow@example.com", "password": "pw"})
    assert token.status_code == 200, token.text
    http = anonymous
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    created = http.post("/lists", json={"name": "Flow", "default_sender": {"id": "news-desk"}})
    assert created.status_code == 201, created.text
    list_id = created.json()["id"]
    assert created.json()["created"] is True
    assert created.json()["data"]["default_sender"] == {"name": "Demo News",
                                                        "email": "news@demo.example.com"}
    for n in range(3):
        added = http.post(f"/lists/{list_id}/contacts", json={"email": f"p{n}@example.com"})
        assert added.status_code == 201, added.text
    gone = http.get(f"/lists/{list_id}/contacts").json()["data"][2]["id"]
    assert http.post(f"/lists/{list_id}/contacts/{gone}/unsubscribe").status_code == 200

    sender = http.post("/brands/default/senders", json={"name": "Flow", "email": "f@example.com"})
    assert sender.status_code == 201, sender.text
    sender_id = sender.json()["id"]
    assert sender.json()["data"]["confirmed"] is False
    confirmed = http.post("/brands/default/senders/confirm-email",
                          json={"confirmation_id": f"confirm-{sender_id}"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["data"]["confirmed"] is True

    campaign = http.post("/campaigns", json={
        "name": "Flow campaign", "audience": {"list_id": list_id},
        "sender": {"id": sender_id, "name": "Flow team"},
        "content": {"subject": "Hello", "html": "<p>Hi {{ email }}</p>"}})
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["id"]
    assert campaign.json()["data"]["status"] == "active"

    scheduled = http.post(f"/campaigns/{campaign_id}/schedule", json={"date": NOW + 600})
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json() == {"id": campaign_id, "object": "campaign", "scheduled": True}
    assert http.get(f"/campaigns/{campaign_id}").json()["data"]["status"] == "scheduled"

    clock.advance(600)
    data = http.get(f"/campaigns/{campaign_id}").json()["data"]
    assert data["status"] == "delivering"
    clock.advance(60)
    data = http.get(f"/campaigns/{campaign_id}").json()["data"]
    assert data["status"] == "delivered"
    assert data["delivery_finished_on"] == NOW + 660

    report = http.get(f"/reports/campaigns/{campaign_id}")
    assert report.status_code == 200, report.text
    assert report.json()["data"]["sent_emails"] == 2
    assert report.json()["data"]["active_emails"] == 2
    logs = http.get(f"/logs/campaigns/{campaign_id}?with_count=true").json()
    assert logs["pagination"]["count"] == 2
    assert sorted(e["email"] for e in logs["data"]) == ["p0@example.com", "p1@example.com"]
    assert {e["type"] for e in logs["data"]} == {"sent"}
    revisions = http.get(f"/campaigns/{campaign_id}/revisions").json()["data"]
    assert [r["id"] for r in revisions] == [1, 2, 3, 4]
