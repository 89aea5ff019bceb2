"""Refresh tokens as connectors hold them: configured once from the real provider, presented
at every start (several authenticators at once), kept rather than rotated, and usable until
they expire on the sandbox clock."""

from __future__ import annotations

from datetime import timedelta

import httpx

from mailtwin import MailtwinApp

from .conftest import BASE

HELD = "nOtIsSuEdHeRe-0f3c9a77b1d24e5f8a6c"  # obtained from the real provider, not here
TOKEN_FIELDS = {"access_token", "token_type", "expires_in", "refresh_token", "scope",
                "created_at"}


def tap_refresh(anonymous: httpx.Client, refresh_token: str = HELD) -> httpx.Response:
    """The token request of a singer tap: form body, redirect_uri, and a placeholder bearer
    header it adds to every call."""
    return anonymous.post("/oauth/token", headers={"Authorization": "Bearer None"}, data={
        "client_id": "tap-client", "client_secret": "tap-secret",
        "redirect_uri": "https://example.com/callback", "refresh_token": refresh_token,
        "grant_type": "refresh_token"})


def cdk_refresh(anonymous: httpx.Client, refresh_token: str = HELD) -> httpx.Response:
    """The token request of a declarative connector's OAuth authenticator."""
    return anonymous.post("/oauth/token", data={
        "grant_type": "refresh_token", "client_id": "cdk-client", "client_secret": "cdk-secret",
        "refresh_token": refresh_token})


def bearer(tokens: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


def test_a_refresh_token_from_the_real_provider_is_a_grant_for_the_clients_tenant(
        anonymous: httpx.Client) -> None:
    response = tap_refresh(anonymous)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    tokens = response.json()
    assert set(tokens) == TOKEN_FIELDS
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 7200
    assert tokens["created_at"] == 1537099200
    assert tokens["scope"] == ""
    assert tokens["refresh_token"] not in ("", HELD, tokens["access_token"])
    created = anonymous.post(f"{BASE}/templates", headers=bearer(response), json={
        "data": {"type": "template", "attributes": {"name": "Made by the tap"}}})
    assert created.status_code == 201
    ident = created.json()["data"]["id"]
    again = bearer(tap_refresh(anonymous))
    assert anonymous.get(f"{BASE}/templates/{ident}", headers=again).status_code == 200
    other = bearer(cdk_refresh(anonymous))
    assert anonymous.get(f"{BASE}/templates/{ident}", headers=other).status_code == 404


def test_several_authenticators_present_the_same_token_within_seconds(
        sandbox: MailtwinApp, anonymous: httpx.Client) -> None:
    answers = []
    for _ in range(3):
        answers.append(cdk_refresh(anonymous))
        sandbox.runtime.clock.advance(timedelta(seconds=2))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.json()["access_token"] for a in answers}) == 3
    assert len({a.json()["refresh_token"] for a in answers}) == 3
    for answer in answers:
        listed = anonymous.get(f"{BASE}/templates", headers=bearer(answer),
                               params={"page[size]": 1})
        assert listed.status_code == 200


def test_an_issued_refresh_token_is_not_revoked_by_use(anonymous: httpx.Client) -> None:
    issued = cdk_refresh(anonymous).json()["refresh_token"]
    first, second = cdk_refresh(anonymous, issued), tap_refresh(anonymous, issued)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["refresh_token"] != second.json()["refresh_token"]
    made = anonymous.post(f"{BASE}/templates", headers=bearer(first), json={
        "data": {"type": "template", "attributes": {"name": "Same tenant"}}})
    ident = made.json()["data"]["id"]
    # The grant's tenant follows the token, not the client_id sent with it.
    assert anonymous.get(f"{BASE}/templates/{ident}",
                         headers=bearer(second)).status_code == 200


def test_an_expired_access_token_is_refused_and_the_held_token_gets_another(
        sandbox: MailtwinApp, anonymous: httpx.Client) -> None:
    headers = bearer(tap_refresh(anonymous))
    assert anonymous.get(f"{BASE}/templates/1", headers=headers).status_code == 200
    sandbox.runtime.clock.advance(timedelta(seconds=7199))
    assert anonymous.get(f"{BASE}/templates/1", headers=headers).status_code == 200
    sandbox.runtime.clock.advance(timedelta(seconds=1))
    expired = anonymous.get(f"{BASE}/templates/1", headers=headers)
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    renewed = tap_refresh(anonymous)
    assert renewed.status_code == 200
    assert anonymous.get(f"{BASE}/templates/1", headers=bearer(renewed)).status_code == 200


def test_an_issued_refresh_token_expires_after_14_days(sandbox: MailtwinApp,
                                                      anonymous: httpx.Client) -> None:
    issued = cdk_refresh(anonymous).json()["refresh_token"]
    sandbox.runtime.clock.advance(timedelta(days=14) - timedelta(seconds=1))
    assert cdk_refresh(anonymous, issued).status_code == 200
    sandbox.runtime.clock.advance(timedelta(seconds=1))
    expired = cdk_refresh(anonymous, issued)
    assert expired.status_code == 400
    assert expired.json() == {"error": "invalid_grant",
                              "error_description": "the refresh token expired"}
    assert cdk_refresh(anonymous).status_code == 200


def test_an_access_token_is_not_a_refresh_token(anonymous: httpx.Client) -> None:
    access = cdk_refresh(anonymous).json()["access_token"]
    refused = cdk_refresh(anonymous, access)
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_grant",
                              "error_description": "the token is not a refresh token"}
    missing = anonymous.post("/oauth/token", data={"grant_type": "refresh_token",
                                                   "client_id": "cdk-client"})
    assert missing.status_code == 400
    assert missing.json() == {"error": "invalid_request", "error_description":
                              "refresh_token is required for refresh_token"}
