"""The API root, which older connectors read to check a token before a sync: a JSON:API
document for a token the API accepts, the provider's 401 otherwise."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from mailtwin import MailtwinApp

from .conftest import JSONAPI


@pytest.mark.parametrize("path", ["/api/v2", "/api/v2/"])
def test_the_root_answers_a_valid_token(anonymous: httpx.Client, path: str) -> None:
    response = anonymous.get(path, headers={"Authorization": "Bearer held-from-outreach"})
    response.raise_for_status()
    assert response.headers["content-type"].startswith(JSONAPI)
    document = response.json()
    assert document["meta"]["version"] == "v2"
    assert document["links"]["prospects"] == "http://mailtwin.test/outreach/api/v2/prospects"
    for name in ("mailings", "templates", "users", "sequenceStates", "stages"):
        assert document["links"][name].endswith(f"/api/v2/{name}")
    assert "oauth" not in " ".join(document["links"].values())


def test_the_root_refuses_a_missing_token(anonymous: httpx.Client) -> None:
    response = anonymous.get("/api/v2")
    assert response.status_code == 401
    assert response.json()["errors"][0]["title"] == "Unauthorized"


def test_the_root_refuses_an_expired_token(sandbox: MailtwinApp,
                                          anonymous: httpx.Client) -> None:
    issued = anonymous.post("/oauth/token", data={"grant_type": "client_credentials",
                                                   "client_id": "acme"}).json()
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    assert anonymous.get("/api/v2", headers=headers).status_code == 200
    sandbox.runtime.clock.advance(timedelta(seconds=7201))
    response = anonymous.get("/api/v2", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
