"""The default brand: DKIM keys, sending domains and their validation, system emails."""

from __future__ import annotations

import base64

import httpx


def test_a_dkim_key_is_created_pending_with_a_public_key(especial: httpx.Client) -> None:
    answer = especial.post("/brands/default/dkim", json={"domain": "News.Example.org"})
    assert answer.status_code == 201
    body = answer.json()
    assert body["object"] == "dkim" and body["created"] is True
    data = body["data"]
    assert (data["domain"], data["selector"], data["status"]) == (
        "news.example.org", "especial", "pending")
    assert data["public_key"].startswith("MIGfMA0GCSqGSIb3DQEB")
    assert especial.get(f"/brands/default/dkim/{data['id']}").json()["data"] == data
    again = especial.post("/brands/default/dkim", json={"domain": "news.example.org"})
    assert again.status_code == 400
    assert again.json()["detail"][0]["loc"] == ["body", "domain"]


def test_deleting_a_dkim_key(especial: httpx.Client) -> None:
    answer = especial.delete("/brands/default/dkim/1")
    assert answer.json()["deleted"] is True
    assert especial.get("/brands/default/dkim/1").status_code == 404
    assert especial.get("/brands/default/dkim").json() == {"data": []}  # not paged


def test_domains_change_and_validate_against_dkim_keys(especial: httpx.Client) -> None:
    shown = especial.get("/brands/default/domains/default").json()["data"]
    assert shown["bounce"] == "bounce.demo.example.com"
    changed = especial.patch("/brands/default/domains/default",
                             json={"domains": {"bounce": "bounce.news.example.org"}})
    assert changed.json()["object"] == "domains" and changed.json()["patched"] is True
    assert changed.json()["data"]["bounce"] == "bounce.news.example.org"
    before = especial.get("/brands/default/domains/default/validate").json()["data"]
    assert before["bounce"] == [{"entry": "bounce.news.example.org CNAME "
                                          "bounce.especial.example", "valid": False}]
    assert before["tracking"][0]["valid"] is True
    especial.post("/brands/default/dkim", json={"domain": "news.example.org"})
    after = especial.get("/brands/default/domains/default/validate").json()["data"]
    assert after["bounce"][0]["valid"] is True


def test_a_tracking_domain_must_be_a_uri(especial: httpx.Client) -> None:
    answer = especial.patch("/brands/default/domains/default",
                            json={"domains": {"tracking": ""}})
    assert answer.status_code == 422


def test_system_emails_check_their_templates_and_senders(especial: httpx.Client) -> None:
    shown = especial.get("/brands/default/system-emails").json()["data"]
    assert shown["user_confirm"][0]["template"] == {"id": 1}
    bad = especial.patch("/brands/default/system-emails", json={
        "password_reset": [{"language": "en_US", "template": {"id": 404}}]})
    assert bad.status_code == 400
    assert bad.json()["detail"][0]["loc"] == ["body", "password_reset", "0", "template", "id"]
    patched = especial.patch("/brands/default/system-emails", json={
        "password_reset": [{"language": "en_US", "template": {"id": 2},
                            "sender": {"id": "news-desk"}}]})
    assert patched.json()["object"] == "systememails" and patched.json()["updated"] is True
    data = patched.json()["data"]
    assert data["user_confirm"] and data["password_reset"][0]["template"] == {"id": 2}
    replaced = especial.put("/brands/default/system-emails", json={"account_confirm": []})
    assert replaced.json()["data"]["user_confirm"] == []


def test_a_logo_is_an_image_and_can_be_removed(especial: httpx.Client) -> None:
    assert especial.delete("/brands/default/logos/default").status_code == 400
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()
    answer = especial.put("/brands/default/logos/default",
                          json={"file": f"data:image/png;base64,{png}"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["object"] == "logo" and body["uploaded"] is True
    assert body["logo"].startswith("https://assets.especial.example/logos/")
    assert body["logo"].endswith(".png")
    text = especial.put("/brands/default/logos/default",
                        json={"file": base64.b64encode(b"hello").decode()})
    assert text.status_code == 400
    assert text.json()["detail"][0]["msg"] == "the file must be a PNG, JPEG or GIF image"
    assert especial.put("/brands/default/logos/default",
                        json={"file": "%%%"}).status_code == 400
    assert especial.delete("/brands/default/logos/default").json() == {
        "object": "logo", "deleted": True}
