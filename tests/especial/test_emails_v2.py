"""The v2 email API: submit, show, render and the tags in use."""

from __future__ import annotations

import httpx

SUBMIT = {"sender": {"id": "news-desk"}, "email": "ann@example.com", "tags": ["receipt"],
          "content": {"subject": "Hi", "type": "transactional",
                      "html": "<p>Hi {{ first_name }}</p>",
                      "custom_attributes": [{"name": "first_name", "value": "Ann"}]}}


def test_a_submitted_email_is_queued_and_shown(especial: httpx.Client) -> None:
    answer = especial.post("/v2/emails", json=SUBMIT)
    assert answer.status_code == 201
    body = answer.json()
    assert body["email"] == "ann@example.com" and body["submitted"] is True
    assert body["data"]["status"] == "queued"
    shown = especial.get(f"/v2/emails/{body['data']['id']}").json()
    assert shown["email_id"] == body["data"]["id"] and shown["status"] == "submitted"
    assert shown["tags"] == ["receipt"] and shown["open"] == 0
    page = especial.get(f"/v2/emails/{body['data']['id']}/render")
    assert page.headers["content-type"].startswith("text/html")
    assert page.text == "<p>Hi Ann</p>"


def test_a_contact_and_a_template_fill_the_email(especial: httpx.Client) -> None:
    answer = especial.post("/v2/emails", json={
        "sender": {"id": "news-desk"}, "contact_id": 1, "list_id": 1,
        "content": {"subject": "News", "type": "marketing", "template": {"id": 1}}})
    assert answer.json()["email"] == "ada@demo.example.com"
    page = especial.get(f"/v2/emails/{answer.json()['data']['id']}/render")
    assert "Hello Ada from London!" in page.text
    missing = especial.post("/v2/emails", json={
        "sender": {"id": "news-desk"},
        "content": {"subject": "x", "type": "marketing", "template": {"id": 77}},
        "email": "x@example.com"})
    assert missing.status_code == 400
    assert missing.json()["detail"][0]["loc"] == ["body", "content", "template", "id"]


def test_a_suppressed_address_is_rejected(especial: httpx.Client) -> None:
    answer = especial.post("/v2/emails", json={**SUBMIT, "email": "joe@blocked.example.net"})
    assert answer.status_code == 201
    assert answer.json()["data"]["status"] == "rejected"


def test_bad_senders_and_missing_recipients_are_refused(especial: httpx.Client) -> None:
    unconfirmed = especial.post("/v2/emails", json={**SUBMIT, "sender": {"id": "offers-desk"}})
    assert unconfirmed.status_code == 400
    assert unconfirmed.json()["detail"][0]["msg"] == "sender offers-desk is not confirmed"
    nobody = especial.post("/v2/emails", json={k: v for k, v in SUBMIT.items() if k != "email"})
    assert nobody.status_code == 400
    assert nobody.json()["detail"][0]["loc"] == ["body", "email"]
    assert especial.get("/email-tags").json()["data"] == []


def test_email_tags_list_the_tags_in_use(especial: httpx.Client) -> None:
    especial.post("/v2/emails", json=SUBMIT)
    especial.post("/v2/emails", json={**SUBMIT, "tags": ["reset", "receipt"]})
    answer = especial.get("/email-tags").json()
    assert answer["data"] == ["receipt", "reset"]
    assert especial.get("/email-tags?name=res").json()["data"] == ["reset"]
