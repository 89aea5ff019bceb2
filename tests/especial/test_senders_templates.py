"""Senders (confirmation) and templates (rendering)."""

from __future__ import annotations

import httpx


def test_a_new_sender_waits_for_confirmation(especial: httpx.Client) -> None:
    made = especial.post("/brands/default/senders", json={"name": "Shop",
                                                          "email": "shop@example.com"})
    assert made.status_code == 201
    body = made.json()
    assert body["object"] == "sender" and body["created"] is True
    assert body["data"]["confirmed"] is False and "confirmation_id" not in body["data"]
    resent = especial.post(f"/brands/default/senders/{body['id']}/resend-confirmation-email")
    assert resent.status_code == 200
    confirmed = especial.post("/brands/default/senders/confirm-email",
                              json={"confirmation_id": f"confirm-{body['id']}"})
    assert confirmed.json()["confirmed"] is True
    again = especial.post(f"/brands/default/senders/{body['id']}/resend-confirmation-email")
    assert again.status_code == 400 and "already confirmed" in again.json()["detail"][0]["msg"]


def test_a_wrong_confirmation_id_is_refused(especial: httpx.Client) -> None:
    answer = especial.post("/brands/default/senders/confirm-email",
                           json={"confirmation_id": "nope"})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "confirmation_id"]


def test_a_sender_address_is_unique(especial: httpx.Client) -> None:
    answer = especial.post("/brands/default/senders", json={
        "name": "Again", "email": "NEWS@demo.example.com"})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "email"]


def test_a_sender_needs_a_valid_email(especial: httpx.Client) -> None:
    answer = especial.post("/brands/default/senders", json={"name": "X", "email": "nope"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "email"]


def test_template_render_merges_a_contact(especial: httpx.Client) -> None:
    plain = especial.get("/templates/1/render")
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("text/html")
    assert plain.text == "<html><body><p>Hello  from !</p></body></html>"
    merged = especial.get("/templates/1/render?contact_id=1")
    assert merged.text == "<html><body><p>Hello Ada from London!</p></body></html>"
    text_only = especial.get("/templates/2/render?contact_id=1")
    assert text_only.text == "Dear ada@demo.example.com, this is a notice."


def test_template_crud_answers_as_documented(especial: httpx.Client) -> None:
    made = especial.post("/templates", json={"name": "T", "content": {"type": "html",
                                                                      "html": "<p>t</p>"}})
    assert made.status_code == 201
    ident = made.json()["id"]
    edited = especial.patch(f"/templates/{ident}", json={"name": "T2"})
    assert edited.json()["updated"] is True and edited.json()["data"]["name"] == "T2"
    deleted = especial.delete(f"/templates/{ident}")
    assert deleted.json() == {"id": ident, "object": "template", "deleted": True}
    assert especial.get(f"/templates/{ident}").status_code == 404
