"""Attack: Outreach took any `client_secret`, and `Authorization: Bearer acme` was the same
tenant as `client_id=acme`: whoever knew a client id read that client's data."""

from __future__ import annotations

import httpx

from mailtwin import Sandbox, credential_tenant, redacted
from tests.security.conftest import Connect

OUTREACH = "/outreach"
JSONAPI = "application/vnd.api+json"
TEMPLATE = {"data": {"type": "template", "attributes": {"name": "Only for acme"}}}


def _grant(api: httpx.Client, **form: str) -> httpx.Response:
    return api.post("/oauth/token", data=form)


def _bearer(tokens: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.json()['access_token']}", "Accept": JSONAPI}


def test_a_known_client_with_another_secret_is_refused(control: Sandbox,
                                                       open_api: Connect) -> None:
    control.add_credentials("outreach", "acme", "acme-secret")
    with open_api(OUTREACH) as api:
        good = _grant(api, grant_type="client_credentials", client_id="acme",
                      client_secret="acme-secret")
        assert good.status_code == 200
        for grant_type, extra in (("client_credentials", {}),
                                  ("authorization_code", {"code": "c0de"}),
                                  ("refresh_token",
                                   {"refresh_token": good.json()["refresh_token"]})):
            answer = _grant(api, grant_type=grant_type, client_id="acme",
                            client_secret="guess", **extra)
            assert answer.status_code == 401, grant_type
            assert answer.json()["error"] == "invalid_client"
            assert answer.headers["content-type"] == "application/json"


def test_a_client_id_alone_does_not_name_the_clients_tenant(open_api: Connect) -> None:
    with open_api(OUTREACH) as api:
        owner = _bearer(_grant(api, grant_type="client_credentials", client_id="acme",
                               client_secret="acme-secret"))
        made = api.post("/api/v2/templates", headers=owner, json=TEMPLATE)
        assert made.status_code == 201
        path = f"/api/v2/templates/{made.json()['data']['id']}"
        assert api.get(path, headers=owner).status_code == 200
        # The client id as a bearer token is a tenant of its own.
        assert api.get(path, headers={"Authorization": "Bearer acme"}).status_code == 404
        # So is the client id with another secret, or none.
        for secret in ("guess", ""):
            other = _bearer(_grant(api, grant_type="client_credentials", client_id="acme",
                                   client_secret=secret))
            assert api.get(path, headers=other).status_code == 404


def test_the_name_of_a_clients_tenant_is_no_bearer_token(control: Sandbox,
                                                         open_api: Connect) -> None:
    control.add_credentials("outreach", "acme", "acme-secret", tenant="acme")
    unnamed = credential_tenant("other-client", "other-secret")
    with open_api(OUTREACH) as api:
        for token in ("acme", unnamed):
            answer = api.get("/api/v2/templates",
                             headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 401, token
            assert answer.json() == {"errors": [{
                "id": "unauthorized", "title": "Unauthorized",
                "detail": "The access token is not valid",
                "source": {"parameter": "authorization"}}]}
            assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_strict_mode_refuses_unknown_clients_tokens_and_refresh_tokens(
        strict: Sandbox, strict_api: Connect) -> None:
    with strict_api(OUTREACH) as api:
        unknown = _grant(api, grant_type="client_credentials", client_id="acme",
                         client_secret="acme-secret")
        assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
        made_up = api.get("/api/v2/templates", headers={"Authorization": "Bearer made-up"})
        assert made_up.status_code == 401
        strict.add_credentials("outreach", "acme", "acme-secret")
        held = _grant(api, grant_type="refresh_token", client_id="acme",
                      client_secret="acme-secret", refresh_token="from-the-real-provider")
        assert held.status_code == 400 and held.json()["error"] == "invalid_grant"
    assert _tenants(strict) == []


def test_strict_mode_serves_a_public_clients_whole_flow(strict: Sandbox,
                                                        strict_api: Connect) -> None:
    """What OAuth clients of Outreach send: the authorization code exchange and the refresh
    as forms with client_id, client_secret and redirect_uri, then bearer calls that follow
    `links.next`."""
    strict.add_credentials("outreach", "app-client-id", "app-client-secret")
    client = {"client_id": "app-client-id", "client_secret": "app-client-secret",
              "redirect_uri": "https://app.example.com/oauth/outreach"}
    with strict_api(OUTREACH) as api:
        first = _grant(api, grant_type="authorization_code", code="code-from-redirect",
                       **client)
        assert first.status_code == 200, first.text
        renewed = _grant(api, grant_type="refresh_token",
                         refresh_token=first.json()["refresh_token"], **client)
        assert renewed.status_code == 200
        headers = _bearer(renewed)
        assert api.get("/api/v2", headers=headers).status_code == 200
        seen: list[str] = []
        url: str | None = "/api/v2/prospects?page[size]=10&sort=updatedAt"
        while url:
            page = api.get(url, headers=headers)
            assert page.status_code == 200
            seen += [item["id"] for item in page.json()["data"]]
            url = page.json()["links"].get("next")
        assert seen and len(seen) == len(set(seen))
    assert _tenants(strict) == [credential_tenant("app-client-id", "app-client-secret")]


def test_a_declared_token_acts_as_its_tenant_in_strict_mode(strict: Sandbox,
                                                            strict_api: Connect) -> None:
    strict.add_credentials("outreach", token="ci-static-token", tenant="ci")
    with strict_api(OUTREACH, headers={"Authorization": "Bearer ci-static-token"}) as api:
        assert api.get("/api/v2/stages").status_code == 200
    assert _tenants(strict) == ["ci"]
    listed = strict.credentials("outreach")
    assert listed == [{"provider": "outreach", "token": redacted("ci-static-token"),
                       "tenant": "ci", "declared": True}]


def _tenants(sandbox: Sandbox) -> list[str]:
    """The tenants credentials opened (the token endpoint, which takes none, serves from
    `default`)."""
    return [row["tenant"] for row in sandbox.tenants("outreach") if row["tenant"] != "default"]
