"""Two-factor authentication: TOTP methods activated with a code at the sandbox's time."""

from __future__ import annotations

import httpx

from mailtwin.providers.especial.mfa import totp
from tests.especial.conftest import NOW


def test_a_method_activates_with_the_current_code(especial: httpx.Client) -> None:
    made = especial.post("/users/self/mfa", json={"type": "totp", "description": "Phone"})
    assert made.status_code == 201
    body = made.json()
    assert body["object"] == "mfa" and body["created"] is True
    secret = body["data"]["secret"]
    assert body["data"]["qr_code"].startswith("otpauth://totp/Especial%3Aowner%40demo")
    listed = especial.get("/users/self/mfa").json()["data"]
    assert listed == [{"id": body["id"], "type": "totp", "description": "Phone"}]
    assert especial.get("/users/self/mfa-recovery-codes").status_code == 400
    code = totp(secret, NOW)
    wrong = "000000" if code != "000000" else "111111"
    refused = especial.post(f"/users/self/mfa/{body['id']}/activate", json={"code": wrong})
    assert refused.status_code == 400
    assert refused.json()["detail"][0]["loc"] == ["body", "code"]
    done = especial.post(f"/users/self/mfa/{body['id']}/activate", json={"code": code})
    assert done.json() == {"id": body["id"], "object": "mfa", "activated": True}
    codes = especial.get("/users/self/mfa-recovery-codes").json()["data"]
    assert len(codes) == 10 and all(len(c) == 12 for c in codes)
    again = especial.post(f"/users/self/mfa/{body['id']}/activate", json={"code": code})
    assert again.status_code == 400


def test_codes_must_be_six_digits_and_methods_can_go(especial: httpx.Client) -> None:
    ident = especial.post("/users/self/mfa", json={"type": "totp"}).json()["id"]
    assert especial.post(f"/users/self/mfa/{ident}/activate",
                         json={"code": "12ab56"}).status_code == 422
    assert especial.delete(f"/users/self/mfa/{ident}").json() == {
        "id": ident, "object": "mfa", "deleted": True}
    assert especial.get("/users/self/mfa").json()["data"] == []


def test_the_portal_keeps_the_return_address(especial: httpx.Client) -> None:
    answer = especial.get("/users/self/mfa-portal?return_url=https://app.example.com/back")
    assert answer.json() == {"url": "https://account.especial.example/mfa?return_url="
                                    "https%3A%2F%2Fapp.example.com%2Fback"}
