"""OAuth tokens, the tenant a bearer token selects, 401s, and rate-limit headers."""

from __future__ import annotations

from datetime import timedelta

import httpx

from mailtwin import MailtwinApp

from .conftest import BASE


def grant(anonymous: httpx.Client, **form: str) -> httpx.Response:
    return anonymous.post("/oauth/token", data=form)


def test_client_credentials_token_selects_the_clients_tenant(anonymous: httpx.Client) -> None:
    response = grant(anonymous, grant_type="client_credentials", client_id="acme",
                     client_secret="s")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 7200
    assert tokens["access_token"] and tokens["refresh_token"]
    first = {"Authorization": f"Bearer {tokens['access_token']}"}
    created = anonymous.post(f"{BASE}/templates", headers=first, json={"data": {
        "type": "template", "attributes": {"name": "Shared by acme"}}})
    assert created.status_code == 201
    ident = created.json()["data"]["id"]
    again = grant(anonymous, grant_type="authorization_code", code="abc", client_id="acme",
                  client_secret="s")
    second = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert anonymous.get(f"{BASE}/templates/{ident}", headers=second).status_code == 200
    other = {"Authorization": "Bearer someone-else"}
    assert anonymous.get(f"{BASE}/templates/{ident}", headers=other).status_code == 404


def test_refresh_token_gives_a_new_pair(anonymous: httpx.Client) -> None:
    tokens = grant(anonymous, grant_type="client_credentials", client_id="acme").json()
    refreshed = grant(anonymous, grant_type="refresh_token", client_id="acme",
                      client_secret="s", refresh_token=tokens["refresh_token"],
                      redirect_uri="https://example.com/cb")
    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"] != tokens["access_token"]
    assert refreshed.json()["refresh_token"] != tokens["refresh_token"]


def test_bad_grants_are_refused(anonymous: httpx.Client) -> None:
    unsupported = grant(anonymous, grant_type="password", username="u")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    empty = anonymous.post("/oauth/token")
    assert empty.status_code == 400
    assert empty.json() == {"error": "unsupported_grant_type", "error_description":
                            "grant_type must be one of authorization_code, refresh_token, "
                            "client_credentials"}
    no_code = grant(anonymous, grant_type="authorization_code")
    assert no_code.status_code == 400
    assert no_code.json() == {"error": "invalid_request",
                              "error_description": "code is required for authorization_code"}


def test_issued_token_expires_with_the_clock(sandbox: MailtwinApp,
                                             anonymous: httpx.Client) -> None:
    tokens = grant(anonymous, grant_type="client_credentials", client_id="acme").json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert anonymous.get(f"{BASE}/templates/1", headers=headers).status_code == 200
    sandbox.runtime.clock.advance(timedelta(seconds=7200))
    expired = anonymous.get(f"{BASE}/templates/1", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["errors"][0]["detail"] == (
        "The access token expired or is not an access token")
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    assert anonymous.get(f"{BASE}/templates/1", headers=refresh).status_code == 401


def test_missing_or_empty_bearer_token_is_401(anonymous: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic dTpw"}):
        response = anonymous.get(f"{BASE}/mailings", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"errors": [{
            "id": "unauthorized", "title": "Unauthorized",
            "detail": "a bearer token is required", "source": {"parameter": "authorization"}}]}


def test_rate_limit_headers_count_per_token(outreach: httpx.Client,
                                            anonymous: httpx.Client) -> None:
    first = outreach.get("/templates/1")
    second = outreach.get("/templates/404404")
    assert first.headers["x-ratelimit-limit"] == "10000"
    assert first.headers["x-ratelimit-remaining"] == "9999"
    assert second.headers["x-ratelimit-remaining"] == "9998"
    reset = int(first.headers["x-ratelimit-reset"])
    assert reset == int(second.headers["x-ratelimit-reset"]) == 1537099200 + 3600
    other = anonymous.get(f"{BASE}/templates/1", headers={"Authorization": "Bearer other"})
    assert other.headers["x-ratelimit-remaining"] == "9999"
    refused = anonymous.get(f"{BASE}/templates/1")
    assert refused.headers["x-ratelimit-remaining"] == "10000"
    token = grant(anonymous, grant_type="client_credentials")
    assert token.headers["x-ratelimit-limit"] == "10000"


def test_rate_limit_window_starts_again(sandbox: MailtwinApp, outreach: httpx.Client) -> None:
    outreach.get("/templates/1")
    sandbox.runtime.clock.advance(timedelta(hours=1))
    again = outreach.get("/templates/1")
    assert again.headers["x-ratelimit-remaining"] == "9999"
    assert int(again.headers["x-ratelimit-reset"]) == 1537099200 + 7200
