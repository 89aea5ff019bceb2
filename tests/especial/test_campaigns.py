"""Campaign drafts and their lifecycle under the virtual clock."""

from __future__ import annotations

import httpx
import pytest

from tests.especial.conftest import NOW, Clock


def _status(http: httpx.Client, ident: int) -> str:
    return str(http.get(f"/campaigns/{ident}").json()["data"]["status"])


def _refusal(answer: httpx.Response) -> str:
    assert answer.status_code == 400, answer.text
    [item] = answer.json()["detail"]
    assert item["type"] == "bad_request"
    return str(item["msg"])


def test_a_draft_is_incomplete_until_sender_audience_and_content(
        especial: httpx.Client) -> None:
    made = especial.post("/campaigns", json={"name": "Bare"})
    assert made.status_code == 201
    body = made.json()
    assert body["object"] == "campaign" and body["created"] is True
    assert body["data"]["status"] == "incomplete"
    ident = body["id"]
    especial.patch(f"/campaigns/{ident}", json={"audience": {"list_id": 1}})
    especial.patch(f"/campaigns/{ident}", json={"sender": {"id": "news-desk"}})
    assert _status(especial, ident) == "incomplete"
    edited = especial.patch(f"/campaigns/{ident}",
                            json={"content": {"subject": "Hi", "html": "<p>x</p>"}})
    assert edited.status_code == 200
    assert edited.json()["updated"] is True
    assert edited.json()["data"]["status"] == "active"
    assert edited.json()["data"]["audience"] == {"list_id": 1, "name": "Newsletter"}


def test_a_missing_name_is_a_422_with_its_location(especial: httpx.Client) -> None:
    answer = especial.post("/campaigns", json={"audience": {"list_id": "x"}})
    assert answer.status_code == 422
    locations = [item["loc"] for item in answer.json()["detail"]]
    assert ["body", "name"] in locations
    assert ["body", "audience", "list_id"] in locations


@pytest.mark.parametrize(("audience", "where"), [
    ({"list_id": 404}, ["body", "audience", "list_id"]),
    ({"list_id": 2, "segment_id": 1}, ["body", "audience", "segment_id"]),
    ({"list_id": 3}, ["body", "audience", "list_id"]),
])
def test_an_audience_must_name_an_existing_list_and_segment(
        especial: httpx.Client, audience: dict[str, int], where: list[str]) -> None:
    before = especial.get("/campaigns?with_count=true").json()["pagination"]["count"]
    answer = especial.post("/campaigns", json={"name": "x", "audience": audience})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == where
    assert especial.get("/campaigns?with_count=true").json()["pagination"]["count"] == before


def test_an_unknown_sender_is_a_bad_reference(especial: httpx.Client) -> None:
    answer = especial.post("/campaigns", json={"name": "x", "sender": {"id": "nobody"}})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "sender", "id"]


def test_only_drafts_can_be_edited_or_deleted(especial: httpx.Client) -> None:
    assert "scheduled" in _refusal(especial.patch("/campaigns/3", json={"name": "New"}))
    assert "delivered" in _refusal(especial.delete("/campaigns/5"))
    assert especial.get("/campaigns/3").json()["data"]["name"] == "September sale"
    deleted = especial.delete("/campaigns/1")
    assert deleted.status_code == 200
    assert deleted.json() == {"id": 1, "object": "campaign", "deleted": True}
    assert especial.get("/campaigns/1").status_code == 404


def test_schedule_needs_a_future_time_by_the_sandbox_clock(especial: httpx.Client) -> None:
    message = _refusal(especial.post("/campaigns/2/schedule", json={"date": NOW - 1}))
    assert "not in the future" in message
    assert _status(especial, 2) == "active"
    message = _refusal(especial.post("/campaigns/2/schedule", json={}))
    assert "send time is required" in message


@pytest.mark.parametrize("body", [
    {"scheduled_for": "2018-09-17T08:00:00Z"},
    {"scheduled_at": "2018-09-17T08:00:00+00:00"},
    {"date": NOW + 72000},
])
def test_schedule_accepts_date_scheduled_for_and_scheduled_at(
        especial: httpx.Client, body: dict[str, object]) -> None:
    answer = especial.post("/campaigns/2/schedule", json=body)
    assert answer.json() == {"id": 2, "object": "campaign", "scheduled": True}
    data = especial.get("/campaigns/2").json()["data"]
    assert data["status"] == "scheduled"
    assert data["scheduled_for"] == NOW + 72000
    assert data["scheduled_on"] == NOW


def test_html_empty_must_be_asked_for_a_text_only_campaign(especial: httpx.Client) -> None:
    made = especial.post("/campaigns", json={
        "name": "Text", "audience": {"list_id": 1}, "sender": {"id": "news-desk"},
        "content": {"subject": "T", "text": "plain"}}).json()
    assert "html_empty" in _refusal(
        especial.post(f"/campaigns/{made['id']}/schedule", json={"date": NOW + 60}))
    answer = especial.post(f"/campaigns/{made['id']}/schedule",
                           json={"date": NOW + 60, "html_empty": True})
    assert answer.status_code == 200


def test_an_unconfirmed_sender_blocks_scheduling_until_confirmed(
        especial: httpx.Client) -> None:
    assert "not confirmed" in _refusal(
        especial.post("/campaigns/7/schedule", json={"date": NOW + 60}))
    confirmed = especial.post("/brands/default/senders/confirm-email",
                              json={"confirmation_id": "confirm-offers-desk"})
    assert confirmed.status_code == 200
    assert especial.post("/campaigns/7/schedule", json={"date": NOW + 60}).status_code == 200


@pytest.mark.parametrize(("action", "ident", "status"), [
    ("schedule", 1, "incomplete"), ("schedule", 3, "scheduled"),
    ("unschedule", 2, "active"), ("reschedule", 5, "delivered"),
    ("suspend", 2, "active"), ("resume", 5, "delivered"), ("cancel", 2, "active"),
    ("archive", 3, "scheduled"), ("unarchive", 2, "active"),
])
def test_each_illegal_move_is_a_400_naming_the_status(
        especial: httpx.Client, action: str, ident: int, status: str) -> None:
    answer = especial.post(f"/campaigns/{ident}/{action}", json={"date": NOW + 60})
    assert status in _refusal(answer)
    assert _status(especial, ident) == status


def test_unschedule_and_reschedule(especial: httpx.Client, clock: Clock) -> None:
    unscheduled = especial.post("/campaigns/3/unschedule")
    assert unscheduled.status_code == 200
    assert _status(especial, 3) == "active"
    especial.post("/campaigns/3/schedule", json={"date": NOW + 100})
    rescheduled = especial.post("/campaigns/3/reschedule", json={"date": NOW + 500})
    assert rescheduled.status_code == 200
    clock.advance(200)
    assert _status(especial, 3) == "scheduled"
    clock.advance(300)
    assert _status(especial, 3) == "delivering"


def test_suspend_holds_the_send_and_resume_releases_it(
        especial: httpx.Client, clock: Clock) -> None:
    especial.post("/campaigns/2/schedule", json={"date": NOW + 100})
    suspended = especial.post("/campaigns/2/suspend")
    assert suspended.json() == {"id": 2, "object": "campaign", "suspended": True}
    assert "already suspended" in _refusal(especial.post("/campaigns/2/suspend"))
    clock.advance(200)
    data = especial.get("/campaigns/2").json()["data"]
    assert data["status"] == "scheduled" and data["suspended"] is True
    assert especial.post("/campaigns/2/resume").status_code == 200
    assert _status(especial, 2) == "delivering"
    assert "not suspended" in _refusal(especial.post("/campaigns/2/resume"))


def test_cancel_makes_a_scheduled_campaign_a_draft_again(especial: httpx.Client) -> None:
    answer = especial.post("/campaigns/3/cancel")
    assert answer.json() == {"id": 3, "object": "campaign", "cancelled": True}
    data = especial.get("/campaigns/3").json()["data"]
    assert data["status"] == "active" and "scheduled_for" not in data


def test_cancel_stops_a_delivering_campaign(especial: httpx.Client) -> None:
    assert especial.post("/campaigns/8/cancel").status_code == 200
    data = especial.get("/campaigns/8").json()["data"]
    assert data["status"] == "delivered" and data["delivery_finished_on"] == NOW


def test_archive_and_unarchive_return_to_the_previous_status(especial: httpx.Client) -> None:
    archived = especial.post("/campaigns/5/archive")
    assert archived.json() == {"id": 5, "object": "campaign", "archived": True}
    assert _status(especial, 5) == "archived"
    assert especial.post("/campaigns/5/unarchive").status_code == 200
    assert _status(especial, 5) == "delivered"


def test_the_clock_delivers_fixture_campaigns(especial: httpx.Client, clock: Clock) -> None:
    assert _status(especial, 8) == "delivering"
    clock.advance(61)
    assert _status(especial, 8) == "delivered"
    clock.advance(1537444800 - NOW - 61)  # campaign 3's scheduled_for
    assert _status(especial, 3) == "delivering"


def test_a_suspended_fixture_campaign_holds_past_its_send_time(
        especial: httpx.Client, clock: Clock) -> None:
    clock.advance(1538352000 - NOW + 3600)  # an hour past campaign 4's scheduled_for
    data = especial.get("/campaigns/4").json()["data"]
    assert data["status"] == "scheduled" and data["suspended"] is True
    assert especial.post("/campaigns/4/resume").status_code == 200
    assert _status(especial, 4) == "delivering"


def test_revisions_record_each_change(especial: httpx.Client) -> None:
    made = especial.post("/campaigns", json={"name": "One"}).json()
    especial.patch(f"/campaigns/{made['id']}", json={"name": "Two"})
    revisions = especial.get(f"/campaigns/{made['id']}/revisions?with_count=true").json()
    assert revisions["pagination"]["count"] == 2
    old = especial.get(f"/campaigns/{made['id']}?revision_id=1").json()["data"]
    assert old["name"] == "One"
    missing = especial.get(f"/campaigns/{made['id']}?revision_id=9")
    assert missing.status_code == 400


def test_render_merges_the_contact_attributes(especial: httpx.Client) -> None:
    answer = especial.get("/campaigns/2/render?contact_id=1")
    assert answer.json() == {"data": {"html": "<p>Hi Ada, spring is here.</p>",
                                      "text": "Hi Ada, spring is here."}}
    assert especial.get("/campaigns/2/render?contact_id=99999").status_code == 400


def test_send_test_answers_as_documented(especial: httpx.Client) -> None:
    answer = especial.post("/campaigns/2/send-test", json={"email": "qa@example.com"})
    assert answer.json() == {"email": "qa@example.com", "type": "merged",
                             "object": "test_email", "sent": True}
    assert especial.post("/campaigns/1/send-test",
                         json={"email": "qa@example.com"}).status_code == 400


def test_a_refusal_names_json_values_not_python_ones(especial: httpx.Client) -> None:
    answer = especial.post("/campaigns/2/schedule", json={"date": True})
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"loc": ["body", "date"],
                                        "msg": 'true is not of type "integer"',
                                        "type": "type_error"}]
