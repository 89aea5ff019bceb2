"""Forms and the subscription endpoints of a list."""

from __future__ import annotations

import httpx

FORM = {"name": "Footer", "content": {"embedded": "<form></form>"}, "list_id": 1,
        "language": "en_US"}


def test_a_form_names_an_existing_list(especial: httpx.Client) -> None:
    answer = especial.post("/forms", json=FORM)
    assert answer.status_code == 201
    body = answer.json()
    assert body["object"] == "form" and body["created"] is True
    assert body["data"]["url"]["linked"].endswith(f"/{body['id']}")
    assert body["data"]["status"] == "active"
    missing = especial.post("/forms", json={**FORM, "list_id": 99})
    assert missing.status_code == 400
    assert missing.json()["detail"][0]["loc"] == ["body", "list_id"]
    moved = especial.patch(f"/forms/{body['id']}", json={"list_id": 98})
    assert moved.status_code == 400
    assert especial.get(f"/forms/{body['id']}").json()["data"]["list_id"] == 1


def test_forms_sort_and_delete(especial: httpx.Client) -> None:
    especial.post("/forms", json={**FORM, "name": "Alpha"})
    names = [f["name"] for f in especial.get("/forms?sort=name").json()["data"]]
    assert names == sorted(names)
    assert especial.delete("/forms/form1").json() == {"id": "form1", "object": "form",
                                                      "deleted": True}
    assert especial.get("/forms/form1").status_code == 404


def test_a_list_endpoint_is_created_enabled_and_answers_200(especial: httpx.Client) -> None:
    answer = especial.post("/lists/1/forms", json={"name": "Popup",
                                                   "domain": "demo.example.com"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["object"] == "subscription_form_endpoint" and body["created"] is True
    assert body["data"]["enabled"] is True
    ident = body["data"]["id"]
    assert especial.get(f"/lists/1/forms/{ident}").status_code == 200
    assert especial.get(f"/lists/2/forms/{ident}").status_code == 404
    assert especial.post("/lists/99/forms", json={"name": "x"}).status_code == 404


def test_disable_and_enable(especial: httpx.Client) -> None:
    disabled = especial.post("/lists/1/forms/sf1/disable")
    assert disabled.status_code == 200
    assert disabled.json()["enabled"] is False and disabled.json()["data"]["enabled"] is False
    again = especial.post("/lists/1/forms/sf1/disable")
    assert again.status_code == 400
    assert again.json()["detail"][0]["msg"] == "subscription endpoint sf1 is already disabled"
    enabled = especial.post("/lists/1/forms/sf1/enable")
    assert enabled.json()["enabled"] is True and enabled.json()["data"]["enabled"] is True
