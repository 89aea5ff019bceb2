"""Attack: someone who can read the control plane of a shared server (or a log of what it
showed) collects the credentials its clients sent: API keys, passwords, OAuth codes, client
secrets and tokens, in the journal, the tenant list and the state export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mailtwin import Config, MailtwinApp, Sandbox, credential_tenant, redacted
from mailtwin.statefile import load_file, save_file
from tests.control.live import serving

TOKEN = "control-9d41"
BEARER = "real-looking-bearer-7Qx2"
PROVIDERS = ("emma", "outreach", "especial")
NEW_USER = {"first_name": "Ann", "last_name": "Lee", "email": "ann@demo.example.com",
            "password": "long-enough-pw"}


def _traffic(url: str) -> list[str]:
    """Requests carrying credentials; every secret they sent or were answered."""
    issued = httpx.post(f"{url}/outreach/oauth/token", data={
        "grant_type": "authorization_code", "code": "auth-code-1", "client_id": "acme",
        "client_secret": "client-secret-1"}).json()
    login = httpx.post(f"{url}/especial/token", data={"username": "me@example.com",
                                                      "password": "hunter2-pw"}).json()
    bearer = {"Authorization": f"Bearer {BEARER}"}
    assert httpx.get(f"{url}/especial/campaigns", headers=bearer).status_code == 200
    assert httpx.post(f"{url}/especial/users", json=NEW_USER, headers=bearer).status_code == 201
    assert httpx.get(f"{url}/emma/100/mailings/200", auth=("emma-public", "emma-private-key"),
                     params={"api_key": "query-key-1"}).status_code == 200
    return ["auth-code-1", "client-secret-1", "hunter2-pw", BEARER, NEW_USER["password"],
            "emma-private-key", "query-key-1", issued["access_token"], issued["refresh_token"],
            login["access_token"], login["refresh_token"]]


def _codes(app: MailtwinApp) -> list[str]:
    codes = app.runtime.store.shared_state("especial").get("codes", {})
    return [code for held in codes.values() for code in held]


@pytest.fixture(scope="module")
def open_server() -> Iterator[tuple[MailtwinApp, str]]:
    with serving(Config(providers=PROVIDERS)) as served:
        yield served


@pytest.fixture(scope="module")
def token_server() -> Iterator[tuple[MailtwinApp, str]]:
    with serving(Config(providers=PROVIDERS, control_token=TOKEN)) as served:
        yield served


@pytest.fixture
def open_secrets(open_server: tuple[MailtwinApp, str]) -> list[str]:
    app, url = open_server
    with Sandbox(url) as sandbox:
        sandbox.reset()
    secrets = _traffic(url)
    codes = _codes(app)
    assert codes
    return secrets + codes


@pytest.mark.parametrize("path", ["/__mailtwin/journal", "/__mailtwin/tenants",
                                  "/__mailtwin/state"])
def test_the_control_plane_shows_no_secret(open_server: tuple[MailtwinApp, str],
                                           open_secrets: list[str], path: str) -> None:
    text = httpx.get(open_server[1] + path).text
    for secret in open_secrets:
        assert secret not in text, secret
    assert "ZW1tYS1wcml2YXRlLWtleQ" not in text  # the base64 of the Basic credentials


def test_redacted_values_can_still_be_matched(open_server: tuple[MailtwinApp, str],
                                              open_secrets: list[str]) -> None:
    with Sandbox(open_server[1]) as sandbox:
        _matched(sandbox, open_secrets)


def _matched(sandbox: Sandbox, open_secrets: list[str]) -> None:
    (login,) = sandbox.journal(path="/especial/token")
    assert f"password={redacted('hunter2-pw')}" in login["body"]
    assert login["response"]["access_token"] == redacted(open_secrets[9])
    sandbox.assert_requested("POST", "/especial/users",
                             json={**NEW_USER, "password": redacted(NEW_USER["password"])})
    sandbox.assert_requested("GET", "/emma/100/mailings/200",
                             query={"api_key": redacted("query-key-1")})
    (campaigns,) = sandbox.journal(path="/especial/campaigns")
    assert campaigns["tenant"] == redacted(BEARER)
    assert campaigns["headers"]["authorization"] == redacted(f"Bearer {BEARER}")
    names = {row["tenant"] for row in sandbox.tenants()}
    assert {redacted(BEARER), credential_tenant("me@example.com", "hunter2-pw"),
            credential_tenant("emma-public", "emma-private-key")} <= names


@pytest.mark.parametrize("path", ["/__mailtwin/journal", "/__mailtwin/tenants",
                                  "/__mailtwin/state"])
def test_secrets_true_needs_a_control_token(open_server: tuple[MailtwinApp, str],
                                            path: str) -> None:
    answer = httpx.get(f"{open_server[1]}{path}?secrets=true")
    assert answer.status_code == 403
    assert answer.json()["problems"][0]["loc"] == ["query", "secrets"]


def test_a_server_with_a_token_shows_secrets_when_asked(
        token_server: tuple[MailtwinApp, str]) -> None:
    app, url = token_server
    with Sandbox(url, token=TOKEN) as sandbox:
        sandbox.reset()
        secrets = _traffic(url)
        exact = json.dumps(sandbox.export_state(secrets=True))
        hidden = json.dumps(sandbox.export_state())
        for secret in [BEARER, secrets[7], secrets[9], *_codes(app)]:
            assert secret in exact and secret not in hidden
        assert BEARER in {row["tenant"] for row in sandbox.tenants(secrets=True)}
        (login,) = sandbox.journal(path="/especial/token", secrets=True)
        assert "password=hunter2-pw" in login["body"]


def test_the_state_file_keeps_what_a_restore_needs(open_server: tuple[MailtwinApp, str],
                                                   open_secrets: list[str],
                                                   tmp_path: Path) -> None:
    app, url = open_server
    path = tmp_path / "state.json"
    save_file(app.runtime, path)
    text = path.read_text()
    assert open_secrets[7] in text and BEARER in text
    with Sandbox(url) as sandbox:
        sandbox.reset()
        load_file(app.runtime, path)
        answer = httpx.get(f"{url}/outreach/api/v2/mailings",
                           headers={"Authorization": f"Bearer {open_secrets[7]}"})
        assert answer.status_code == 200
        assert sandbox.journal(last=1)[0]["tenant"] == credential_tenant("acme", "client-secret-1")


def _views(url: str) -> list[str]:
    """Every read of the control plane and dashboard where a secret could show."""
    with Sandbox(url) as sandbox:
        entries = sandbox.journal()
        tenants = sandbox.tenants()
    paths = ["/__mailtwin/moves", "/__mailtwin/clock/upcoming?limit=500",
             "/__mailtwin/ui/", "/__mailtwin/ui/journal", "/__mailtwin/ui/records"]
    for entry in entries:
        paths += [f"/__mailtwin/journal/{entry['seq']}", f"/__mailtwin/ui/journal/{entry['seq']}"]
    for row in tenants:
        for resource in row["collections"]:
            place = {"provider": row["provider"], "tenant": row["tenant"],
                     "resource": resource}
            paths.append("/__mailtwin/records?" + httpx.QueryParams(place).__str__())
            paths.append("/__mailtwin/ui/records/table?" + httpx.QueryParams(place).__str__())
    return paths


def test_no_view_or_dashboard_page_shows_a_secret(open_server: tuple[MailtwinApp, str],
                                                 open_secrets: list[str]) -> None:
    url = open_server[1]
    with httpx.Client(base_url=url) as http:
        # The especial user's MFA secret lives in a record.
        bearer = {"Authorization": f"Bearer {BEARER}"}
        mfa = http.post("/especial/users/self/mfa", json={"type": "totp"}, headers=bearer)
        assert mfa.status_code in (200, 201), mfa.text
        secrets = [*open_secrets, mfa.json()["data"]["secret"]]
        for path in _views(url):
            answer = http.get(path)
            assert answer.status_code == 200, (path, answer.text[:200])
            for secret in secrets:
                assert secret not in answer.text, (path, secret)
