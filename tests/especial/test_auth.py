"""Tokens, bearer auth and sub-account isolation."""

from __future__ import annotations

import httpx

from tests.especial.conftest import Clock


def test_calls_without_a_token_get_401_in_the_detail_shape(anonymous: httpx.Client) -> None:
    answer = anonymous.get("/campaigns")
    assert answer.status_code == 401
    assert answer.json() == {"detail": [{"loc": ["header", "authorization"],
                                         "msg": "Not authenticated", "type": "unauthorized"}]}
    assert answer.headers["www-authenticate"] == "Bearer"


def test_password_grant_is_the_default_and_lists_the_accounts(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/token", data={"username": "me@example.com", "password": "pw"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["accounts"] == [1001, 1002]
    assert body["access_token"] and body["refresh_token"]


def test_a_missing_password_is_a_422_naming_the_field(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/token", data={"username": "me@example.com"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"loc": ["body", "password"], "msg": "field required",
                                        "type": "missing"}]


def test_issued_tokens_share_their_user_account(anonymous: httpx.Client) -> None:
    first = anonymous.post("/token", data={"username": "me@example.com", "password": "pw"})
    second = anonymous.post("/token", data={"username": "me@example.com", "password": "pw"})
    one = {"Authorization": f"Bearer {first.json()['access_token']}"}
    two = {"Authorization": f"Bearer {second.json()['access_token']}"}
    made = anonymous.post("/templates", headers=one, json={
        "name": "Mine", "content": {"type": "html", "html": "<p>x</p>"}})
    assert made.status_code == 201, made.text
    assert anonymous.get(f"/templates/{made.json()['id']}", headers=two).status_code == 200


def test_refresh_trades_the_refresh_token_once(anonymous: httpx.Client) -> None:
    tokens = anonymous.post("/token", data={"username": "me@example.com", "password": "pw"}).json()
    renewed = anonymous.post("/token", data={"grant_type": "refresh_token",
                                             "refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200
    assert renewed.json()["access_token"] != tokens["access_token"]
    again = anonymous.put("/token", data={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401
    assert again.json()["detail"][0]["loc"] == ["body", "refresh_token"]
    later = anonymous.put("/token", data={"refresh_token": renewed.json()["refresh_token"]})
    assert later.status_code == 200


def test_tokens_expire_on_the_sandbox_clock(anonymous: httpx.Client, clock: Clock) -> None:
    tokens = anonymous.post("/token", data={"username": "me@example.com", "password": "pw",
                                            "expiration_seconds": "600"}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert anonymous.get("/campaigns", headers=headers).status_code == 200
    clock.advance(601)
    expired = anonymous.get("/campaigns", headers=headers)
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"][0]["msg"]


def test_a_refresh_token_is_not_an_access_token(anonymous: httpx.Client) -> None:
    tokens = anonymous.post("/token", data={"username": "me@example.com", "password": "pw"}).json()
    answer = anonymous.get("/campaigns",
                           headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert answer.status_code == 401


def test_a_sub_account_is_its_own_sandbox(especial: httpx.Client) -> None:
    made = especial.post("/templates?account_id=1002", json={
        "name": "Europe only", "content": {"type": "html", "html": "<p>eu</p>"}})
    assert made.status_code == 201
    ident = made.json()["id"]
    assert especial.get(f"/templates/{ident}?account_id=1002").status_code == 200
    assert especial.get(f"/templates/{ident}").status_code == 404
    assert especial.get(f"/templates/{ident}?account_id=1001").status_code == 404


def test_an_account_the_user_does_not_own_is_forbidden(especial: httpx.Client) -> None:
    answer = especial.get("/campaigns?account_id=4242")
    assert answer.status_code == 403
    assert answer.json()["detail"][0]["loc"] == ["query", "account_id"]
    assert "4242" in answer.json()["detail"][0]["msg"]


def test_an_account_that_is_no_number_is_a_type_error_in_json_terms(
        especial: httpx.Client) -> None:
    answer = especial.get("/campaigns?account_id=True")
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"loc": ["query", "account_id"],
                                        "msg": '"True" is not of type "integer"',
                                        "type": "type_error"}]


def test_a_negative_account_is_a_number_no_account_has(especial: httpx.Client) -> None:
    answer = especial.get("/campaigns?account_id=-298")
    assert answer.status_code == 403
    assert "-298" in answer.json()["detail"][0]["msg"]


def test_login_to_a_foreign_account_is_forbidden(anonymous: httpx.Client) -> None:
    answer = anonymous.post("/token", data={"username": "me@example.com", "password": "pw",
                                            "account_id": "77"})
    assert answer.status_code == 403


def test_a_negative_account_is_a_number_the_user_does_not_own(especial: httpx.Client) -> None:
    answer = especial.get("/campaigns?account_id=-298")
    assert answer.status_code == 403
    assert answer.json()["detail"][0]["loc"] == ["query", "account_id"]
