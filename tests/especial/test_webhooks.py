"""Webhooks: stored with event, URL and rate limit; archive and unarchive; patch."""

from __future__ import annotations

import httpx

HOOK = {"event": "Campaign.Scheduled", "url": "https://hooks.example.com/in",
        "rate_limit": 20, "rate_limit_period": "minute"}


def test_a_webhook_is_stored_with_its_event_url_and_rate_limit(especial: httpx.Client) -> None:
    answer = especial.post("/webhooks", json=HOOK)
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"id", "data"}
    assert body["data"] == {"id": body["id"], "status": "active", **HOOK}
    shown = especial.get(f"/webhooks/{body['id']}").json()
    assert shown["data"] == body["data"]
    assert shown["signature"]["hash_function"] == "sha256"
    # A signing key of its own, never shown in lists or the create answer.
    assert len(shown["signature"]["key"]) >= 32
    other = especial.post("/webhooks", json=HOOK).json()["id"]
    assert especial.get(f"/webhooks/{other}").json()["signature"]["key"] != shown[
        "signature"]["key"]


def test_rate_limit_defaults_to_80_a_second(especial: httpx.Client) -> None:
    data = especial.post("/webhooks", json={"event": "Email.Opened",
                                            "url": "https://hooks.example.com/o"}).json()["data"]
    assert (data["rate_limit"], data["rate_limit_period"]) == (80, "second")


def test_an_event_outside_the_published_list_is_a_422(especial: httpx.Client) -> None:
    answer = especial.post("/webhooks", json={**HOOK, "event": "Campaign.Exploded",
                                              "rate_limit_period": "hour"})
    assert answer.status_code == 422
    assert sorted(tuple(p["loc"]) for p in answer.json()["detail"]) == [
        ("body", "event"), ("body", "rate_limit_period")]
    count = especial.get("/webhooks?with_archived=true&with_count=true").json()
    assert count["pagination"]["count"] == 3


def test_archived_webhooks_are_hidden_unless_asked_for(especial: httpx.Client) -> None:
    assert [w["id"] for w in especial.get("/webhooks").json()["data"]] == ["wh1", "wh2"]
    every = especial.get("/webhooks?with_archived=true").json()["data"]
    assert [w["id"] for w in every] == ["wh1", "wh2", "wh3"]


def test_archive_and_unarchive(especial: httpx.Client) -> None:
    archived = especial.post("/webhooks/wh1/archive")
    assert archived.status_code == 200
    body = archived.json()
    assert body["object"] == "Webhook" and body["archived"] is True
    assert body["data"]["status"] == "archived" and body["data"]["archived_at"] == 1537099200
    again = especial.post("/webhooks/wh1/archive")
    assert again.status_code == 400
    assert again.json()["detail"][0]["msg"] == (
        "Webhook wh1 cannot be archived: its status is archived.")
    back = especial.post("/webhooks/wh1/unarchive").json()
    assert back["archived"] is False and "unarchived" not in back
    assert back["data"]["status"] == "active" and "archived_at" not in back["data"]
    assert especial.post("/webhooks/wh2/unarchive").status_code == 400


def test_patch_changes_url_and_rate_limit(especial: httpx.Client) -> None:
    answer = especial.patch("/webhooks/wh2", json={"url": "https://hooks.example.com/new",
                                                   "rate_limit": 5})
    assert answer.json()["patched"] is True and answer.json()["object"] == "Webhook"
    assert answer.json()["data"]["url"] == "https://hooks.example.com/new"
    assert especial.get("/webhooks/wh2").json()["data"]["rate_limit"] == 5
    assert especial.patch("/webhooks/nope", json={"rate_limit": 5}).status_code == 404
