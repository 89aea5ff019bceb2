"""Lists, contacts and segments stay coherent."""

from __future__ import annotations

import httpx

from tests.especial.conftest import NOW, Clock


def test_a_list_in_use_by_campaigns_cannot_be_deleted(especial: httpx.Client) -> None:
    answer = especial.delete("/lists/1")
    assert answer.status_code == 400
    assert "used by campaigns" in answer.json()["detail"][0]["msg"]
    assert especial.get("/lists/1").status_code == 200


def test_deleting_a_list_takes_its_contacts_along(especial: httpx.Client) -> None:
    made = especial.post("/lists", json={"name": "Temp", "default_sender": {"id": "news-desk"}})
    ident = made.json()["id"]
    especial.post(f"/lists/{ident}/contacts", json={"email": "t@example.com"})
    deleted = especial.delete(f"/lists/{ident}")
    assert deleted.json() == {"id": ident, "object": "list", "deleted": True}
    assert especial.get(f"/lists/{ident}/contacts").status_code == 404


def test_a_default_sender_must_exist(especial: httpx.Client) -> None:
    answer = especial.post("/lists", json={"name": "X", "default_sender": {"id": "ghost"}})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "default_sender", "id"]


def test_archive_unarchive_and_policy(especial: httpx.Client) -> None:
    assert especial.post("/lists/2/archive").json() == {"id": 2, "object": "list",
                                                        "archived": True}
    again = especial.post("/lists/2/archive")
    assert again.status_code == 400 and "archived" in again.json()["detail"][0]["msg"]
    # The seed's sample of "Unarchive a list": the list is no longer archived.
    assert especial.post("/lists/2/unarchive").json() == {"id": 2, "object": "list",
                                                          "archived": False}
    assert especial.get("/lists/2").json()["data"]["status"] == "active"
    accepted = especial.post("/lists/3/accept-policy")
    assert accepted.json() == {"id": 3, "object": "list", "policy_accepted": True}
    assert especial.get("/lists/3").json()["data"]["policy_accepted"] is True


def test_an_address_appears_once_per_list(especial: httpx.Client) -> None:
    answer = especial.post("/lists/1/contacts", json={"email": "ada@demo.example.com"})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "email"]
    assert especial.post("/lists/2/contacts", json={"email": "ada@demo.example.com"}
                         ).status_code == 201


def test_custom_attributes_and_interests_must_be_declared(especial: httpx.Client) -> None:
    answer = especial.post("/lists/1/contacts", json={
        "email": "new@example.com", "custom_attributes": [{"name": "shoe_size", "value": "9"}]})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "custom_attributes", "0", "name"]
    answer = especial.patch("/lists/1/contacts/1", json={"interests": ["chess"]})
    assert answer.status_code == 400
    assert especial.get("/lists/1/contacts/1").json()["data"]["interests"] == ["travel"]


def test_contact_edits_merge_attributes(especial: httpx.Client) -> None:
    answer = especial.patch("/lists/1/contacts/1", json={
        "custom_attributes": [{"name": "city", "value": "Paris"}], "interests": ["sports"]})
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert {"name": "city", "value": "Paris"} in data["custom_attributes"]
    assert {"name": "first_name", "value": "Ada"} in data["custom_attributes"]
    assert data["interests"] == ["sports"]


def test_tags_on_one_and_many_contacts(especial: httpx.Client) -> None:
    assert especial.post("/lists/1/contacts/1/tag", json={"tags": ["gold"]}).json() == {
        "tagged": True}
    assert "gold" in especial.get("/lists/1/contacts/1").json()["data"]["tags"]
    assert especial.post("/lists/1/contacts/1/untag", json={"tags": ["gold"]}).json() == {
        "untagged": True}
    many = especial.post("/lists/1/contacts/tag", json={"tags": ["promo"],
                                                        "contact_ids": [2, 3]})
    assert many.json() == {"tagged": True}
    assert "promo" in especial.get("/lists/1/contacts/3").json()["data"]["tags"]
    missing = especial.post("/lists/1/contacts/tag", json={"tags": ["x"], "contact_ids": [1001]})
    assert missing.status_code == 400


def test_unsubscribing_twice_is_refused(especial: httpx.Client) -> None:
    first = especial.post("/lists/1/contacts/1/unsubscribe")
    assert first.status_code == 200
    assert first.json()["object"] == "contact" and first.json()["subscribed"] is False
    assert first.json()["data"]["status"] == "unsubscribed"
    second = especial.post("/lists/1/contacts/1/unsubscribe")
    assert second.status_code == 400 and "unsubscribed" in second.json()["detail"][0]["msg"]


def test_segment_contacts_are_the_ones_it_selects(especial: httpx.Client) -> None:
    vips = especial.get("/lists/1/segments/1/contacts?per_page=500").json()["data"]
    assert vips and all("vip" in c["tags"] for c in vips)
    londoners = especial.get("/lists/1/segments/2/contacts").json()["data"]
    assert [c["email"] for c in londoners] == ["ada@demo.example.com"]


def test_a_segment_selection_must_be_readable(especial: httpx.Client) -> None:
    answer = especial.post("/lists/1/segments", json={"name": "Bad", "fiql": "email>>x"})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "fiql"]
    made = especial.post("/lists/1/segments", json={"name": "Gmail", "query":
                                                    "email LIKE '%@demo.example.com'"})
    assert made.status_code == 201
    members = especial.get(f"/lists/1/segments/{made.json()['id']}/contacts").json()["data"]
    assert [c["id"] for c in members] == [1]


def test_unsubscribed_and_suppressed_contacts_are_not_sent_to(
        especial: httpx.Client, clock: Clock) -> None:
    made = especial.post("/lists", json={"name": "Few", "default_sender": {"id": "news-desk"}})
    ident = made.json()["id"]
    for email in ("a@example.com", "b@example.com", "c@example.com", "d@blocked.example.org",
                  "postmaster@example.net"):
        especial.post(f"/lists/{ident}/contacts", json={"email": email})
    first = especial.get(f"/lists/{ident}/contacts").json()["data"][0]["id"]
    especial.post(f"/lists/{ident}/contacts/{first}/unsubscribe")
    for entry in ("b@example.com", "*@blocked.example.org", "postmaster@"):
        suppressed = especial.post("/suppressed-emails", json={"email": entry})
        assert suppressed.status_code == 201, suppressed.text
    campaign = especial.post("/campaigns", json={
        "name": "Few", "audience": {"list_id": ident}, "sender": {"id": "news-desk"},
        "content": {"subject": "s", "html": "<p>h</p>"}}).json()
    especial.post(f"/campaigns/{campaign['id']}/schedule", json={"date": NOW + 10})
    clock.advance(100)
    logs = especial.get(f"/logs/campaigns/{campaign['id']}").json()["data"]
    assert [e["email"] for e in logs] == ["c@example.com"]
    report = especial.get(f"/reports/lists/{ident}").json()["data"]
    assert report["active_contacts"] == 4 and report["unsubscribed_contacts"] == 1
    assert report["sent_emails"] == 1


def test_a_transactional_template_names_a_sender_and_may_copy_a_template(
        especial: httpx.Client) -> None:
    unknown = especial.post("/lists/1/transactional-email-templates", json={
        "name": "Receipt", "sender": {"id": "nobody"},
        "content": {"type": "html", "subject": "Thanks"}})
    assert unknown.status_code == 400
    assert unknown.json()["detail"][0]["loc"] == ["body", "sender", "id"]
    made = especial.post("/lists/1/transactional-email-templates", json={
        "name": "Receipt", "sender": {"id": "news-desk"},
        "content": {"subject": "Your receipt", "template_id": 1}})
    assert made.status_code == 201, made.text
    data = made.json()["data"]
    assert data["status"] == "active" and data["thumbnail_url"].startswith("https://")
    assert set(data["sender"]) == {"name", "email"}
    assert data["content"]["type"] == "html" and data["content"]["subject"] == "Your receipt"
    edited = especial.patch(f"/lists/1/transactional-email-templates/{data['id']}",
                            json={"content": {"subject": "Receipt"}})
    assert edited.status_code == 200, edited.text
    assert edited.json()["data"]["content"]["type"] == "html"
