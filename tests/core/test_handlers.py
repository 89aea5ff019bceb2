"""Generic handlers on a tiny spec: create, read, update, delete, list, actions."""

from __future__ import annotations

from datetime import timedelta

import httpx

from mailtwin import MailtwinApp


def test_create_answers_the_declared_template(tiny: httpx.Client) -> None:
    response = tiny.post("/notes", json={"title": "Hello", "body": "world"})
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == 15 and body["created"] is True
    assert body["data"]["state"] == "draft"
    assert body["data"]["created_at"] == "2026-01-01T09:00:00.000Z"
    assert tiny.get("/notes/15").json() == {"data": body["data"]}


def test_invalid_body_lists_every_problem_and_changes_nothing(tiny: httpx.Client) -> None:
    before = tiny.get("/notes?per_page=100").json()
    response = tiny.post("/notes", json={"title": "", "extra": 1, "publish_at": "soon"})
    assert response.status_code == 422
    problems = {tuple(d["loc"]): d["type"] for d in response.json()["detail"]}
    assert problems == {("body", "title"): "string_too_short",
                        ("body", "extra"): "extra_forbidden",
                        ("body", "publish_at"): "value_error"}
    assert tiny.get("/notes?per_page=100").json() == before


def test_missing_required_field_is_located(tiny: httpx.Client) -> None:
    response = tiny.post("/notes", json={})
    assert response.json()["detail"] == [
        {"loc": ["body", "title"], "msg": "field required", "type": "missing"}]


def test_unique_field_is_enforced(tiny: httpx.Client) -> None:
    response = tiny.post("/notes", json={"title": "First"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]


def test_patch_merges_and_stamps(tiny: httpx.Client, tiny_app: MailtwinApp) -> None:
    response = tiny.patch("/notes/1", json={"body": "changed"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["title"], data["body"]) == ("First", "changed")
    assert data["updated_at"] == "2026-01-01T09:00:00.000Z"


def test_delete_then_404(tiny: httpx.Client) -> None:
    assert tiny.delete("/notes/1").json() == {"id": 1, "deleted": True}
    missing = tiny.get("/notes/1")
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["type"] == "not_found"


def test_path_ids_are_validated(tiny: httpx.Client) -> None:
    response = tiny.get("/notes/abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "id"]


def test_list_pages_and_filters(tiny: httpx.Client) -> None:
    first = tiny.get("/notes?per_page=2&with_count=true").json()
    assert first["pagination"] == {"page": 1, "per_page": 2, "count": 6}
    assert [n["id"] for n in first["data"]] == [1, 10]
    assert set(first["data"][0]) == {"id", "title", "state"}
    archived = tiny.get("/notes?state=archived").json()["data"]
    assert [n["id"] for n in archived] == [11, 13]


def test_action_moves_and_refuses_as_declared(tiny: httpx.Client) -> None:
    assert tiny.post("/notes/1/publish").json() == {"id": 1, "state": "scheduled"}
    refused = tiny.post("/notes/1/publish")
    assert refused.status_code == 409
    assert refused.json()["detail"][0]["msg"] == "note 1 is scheduled"
    default = tiny.post("/notes/10/retract")
    assert default.status_code == 400
    assert "retract" in default.json()["detail"][0]["msg"]


def test_bearer_token_is_required(tiny_app: MailtwinApp) -> None:
    from mailtwin.inprocess import client

    with client(tiny_app) as http:
        response = http.get("/tiny/notes")
    assert response.status_code == 401
    assert response.json()["detail"][0]["type"] == "unauthorized"


def test_lists_show_changes_made_after_an_earlier_list(tiny: httpx.Client) -> None:
    assert tiny.get("/notes").json()["data"][0]["title"] == "First"
    tiny.patch("/notes/1", json={"title": "Renamed"})
    assert tiny.get("/notes").json()["data"][0]["title"] == "Renamed"
    tiny.delete("/notes/1")
    assert tiny.get("/notes").json()["data"][0]["id"] == 10


def test_a_read_shows_every_change_made_after_an_earlier_read(tiny: httpx.Client,
                                                                tiny_app: MailtwinApp) -> None:
    assert tiny.get("/notes/1").json()["data"]["title"] == "First"
    tiny.patch("/notes/1", json={"title": "Renamed", "publish_at": "2026-01-01T10:00:00Z"})
    assert tiny.get("/notes/1").json()["data"]["title"] == "Renamed"
    tiny.post("/notes/1/publish")
    assert tiny.get("/notes/1").json()["data"]["state"] == "scheduled"
    tiny_app.runtime.clock.advance(timedelta(hours=1))
    assert tiny.get("/notes/1").json()["data"]["state"] == "live"
    tiny.delete("/notes/1")
    assert tiny.get("/notes/1").status_code == 404
