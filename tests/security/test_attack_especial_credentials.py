"""Attack: Especial never checked passwords. `POST /especial/token` with any password for
`alice@x.com` logged in as Alice; `Authorization: Bearer alice@x.com` read Alice's account
without logging in, `Bearer alice@x.com#1002` reached her sub-account even while suspended,
and with MFA active the bearer shortcut still read everything."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin import Sandbox, credential_tenant
from mailtwin.providers.especial.mfa import totp
from tests.especial.conftest import NOW
from tests.security.conftest import Connect

ESPECIAL = "/especial"
ALICE = {"username": "alice@x.com", "password": "alice-pw"}
WRONG_PASSWORD = [{"loc": ["body", "password"], "msg": "Incorrect username or password",
                   "type": "unauthorized"}]
NOT_A_TOKEN = [{"loc": ["header", "authorization"], "msg": "Could not validate credentials",
                "type": "unauthorized"}]
TEMPLATE = {"name": "Alice's", "content": {"type": "html", "html": "<p>mine</p>"}}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(api: httpx.Client, **form: str) -> httpx.Response:
    return api.post("/token", data=form)


@pytest.fixture
def alice(open_api: Connect) -> Iterator[tuple[httpx.Client, dict[str, str], str]]:
    """Alice logged in (a login the sandbox did not know: her account is keyed by her
    address and password), with a template of her own."""
    with open_api(ESPECIAL) as api:
        tokens = _login(api, **ALICE).json()
        headers = _bearer(tokens["access_token"])
        made = api.post("/templates", headers=headers, json=TEMPLATE)
        assert made.status_code == 201
        yield api, headers, f"/templates/{made.json()['id']}"


def test_another_password_for_alices_address_is_another_account(
        alice: tuple[httpx.Client, dict[str, str], str]) -> None:
    api, _, template = alice
    other = _login(api, username="alice@x.com", password="guess")
    assert other.status_code == 200
    assert api.get(template, headers=_bearer(other.json()["access_token"])).status_code == 404


def test_a_known_users_wrong_password_is_refused(control: Sandbox, open_api: Connect) -> None:
    control.add_credentials("especial", "alice@x.com", "alice-pw")
    with open_api(ESPECIAL) as api:
        assert _login(api, **ALICE).status_code == 200
        refused = _login(api, username="alice@x.com", password="guess")
        assert refused.status_code == 401
        assert refused.json() == {"detail": WRONG_PASSWORD}
        assert refused.headers["www-authenticate"] == "Bearer"
        # The address is matched in any case, as the login is.
        assert _login(api, username="Alice@X.com", password="guess").status_code == 401


def test_a_user_created_in_a_sub_account_logs_in_to_it(
        alice: tuple[httpx.Client, dict[str, str], str]) -> None:
    api, headers, _ = alice
    carol = {"email": "carol@x.com", "password": "carol-long-pw", "first_name": "Carol",
             "last_name": "Europe"}
    assert api.post("/users?skip_verification=true&account_id=1002", headers=headers,
                    json=carol).status_code == 201
    tokens = _login(api, username="carol@x.com", password="carol-long-pw")
    assert tokens.status_code == 200
    me = api.get("/users/self", headers=_bearer(tokens.json()["access_token"]))
    assert me.json()["data"]["email"] == "carol@x.com"


def test_a_user_created_through_the_api_logs_in_to_its_account_only_with_its_password(
        alice: tuple[httpx.Client, dict[str, str], str]) -> None:
    api, headers, template = alice
    bob = {"email": "bob@x.com", "password": "bob-long-pw", "first_name": "Bob",
           "last_name": "Builder"}
    assert api.post("/users?skip_verification=true", headers=headers,
                    json=bob).status_code == 201
    own = _login(api, username="bob@x.com", password="bob-long-pw")
    assert own.status_code == 200
    bob_headers = _bearer(own.json()["access_token"])
    assert api.get(template, headers=bob_headers).status_code == 200
    assert api.get("/users/self", headers=bob_headers).json()["data"]["email"] == "bob@x.com"
    refused = _login(api, username="bob@x.com", password="not-bobs")
    assert refused.status_code == 401 and refused.json() == {"detail": WRONG_PASSWORD}


def test_the_address_as_a_bearer_token_reads_nothing(
        alice: tuple[httpx.Client, dict[str, str], str]) -> None:
    api, _, template = alice
    for token in ("alice@x.com", credential_tenant("alice@x.com", "alice-pw")):
        answer = api.get(template, headers=_bearer(token))
        assert answer.status_code == 401, token
        assert answer.json() == {"detail": NOT_A_TOKEN}


def test_no_token_syntax_selects_a_sub_account(
        alice: tuple[httpx.Client, dict[str, str], str]) -> None:
    api, _, _ = alice
    home = credential_tenant("alice@x.com", "alice-pw")
    for token in ("alice@x.com#1002", f"{home}#1002", "demo-token#1002"):
        answer = api.get("/campaigns", headers=_bearer(token))
        assert answer.status_code == 401, token
        assert answer.json() == {"detail": NOT_A_TOKEN}


def test_a_username_holding_the_sub_account_mark_opens_no_account(control: Sandbox,
                                                                 open_api: Connect) -> None:
    control.add_credentials("especial", "ci@x.com", "ci-password", tenant="ci@x.com")
    with open_api(ESPECIAL) as api:
        answer = _login(api, username="ci@x.com#1002", password="anything")
    assert answer.status_code == 401 and answer.json() == {"detail": WRONG_PASSWORD}
    assert all("#" not in row["tenant"] for row in control.tenants("especial"))


def test_a_suspended_sub_account_is_refused_however_it_is_named(
        alice: tuple[httpx.Client, dict[str, str], str]) -> None:
    api, headers, _ = alice
    sub = _login(api, **ALICE, account_id="1002").json()
    sub_headers = _bearer(sub["access_token"])
    assert api.get("/campaigns", headers=sub_headers).status_code == 200
    assert api.post("/accounts/1002/suspend", headers=headers).status_code == 200
    by_query = api.get("/campaigns?account_id=1002", headers=headers)
    assert by_query.status_code == 403
    by_token = api.get("/campaigns", headers=sub_headers)
    assert by_token.status_code == 403
    assert by_token.json()["detail"][0]["loc"] == ["header", "authorization"]
    by_login = _login(api, **ALICE, account_id="1002")
    assert by_login.status_code == 403
    assert by_login.json()["detail"][0]["loc"] == ["body", "account_id"]


def test_with_mfa_active_only_a_completed_challenge_gives_tokens(
        alice: tuple[httpx.Client, dict[str, str], str]) -> None:
    api, headers, template = alice
    made = api.post("/users/self/mfa", headers=headers, json={"type": "totp"}).json()
    secret = made["data"]["secret"]
    assert api.post(f"/users/self/mfa/{made['id']}/activate", headers=headers,
                    json={"code": totp(secret, NOW)}).status_code == 200
    # Neither the address as a token nor a wrong password gets anywhere near the account.
    assert api.get(template, headers=_bearer("alice@x.com")).status_code == 401
    wrong = _login(api, username="alice@x.com", password="guess")
    assert wrong.status_code == 200  # another account, never Alice's
    assert api.get(template, headers=_bearer(wrong.json()["access_token"])).status_code == 404
    challenged = _login(api, **ALICE)
    assert challenged.status_code == 401 and challenged.json()["challenge"]
    done = api.post("/token/challenge", json={"challenge": challenged.json()["challenge"],
                                               "code": totp(secret, NOW)})
    assert done.status_code == 200
    assert api.get(template, headers=_bearer(done.json()["access_token"])).status_code == 200


def test_strict_mode_refuses_unknown_logins_and_tokens(strict: Sandbox,
                                                       strict_api: Connect) -> None:
    with strict_api(ESPECIAL) as api:
        unknown = _login(api, **ALICE)
        assert unknown.status_code == 401 and unknown.json() == {"detail": WRONG_PASSWORD}
        made_up = api.get("/campaigns", headers=_bearer("demo-token"))
        assert made_up.status_code == 401 and made_up.json() == {"detail": NOT_A_TOKEN}
        strict.add_credentials("especial", "alice@x.com", "alice-pw")
        tokens = _login(api, **ALICE)
        assert tokens.status_code == 200
        assert api.get("/campaigns",
                       headers=_bearer(tokens.json()["access_token"])).status_code == 200


def test_a_declared_login_names_its_account_in_the_control_plane(strict: Sandbox,
                                                                 strict_api: Connect) -> None:
    strict.add_credentials("especial", "ci@x.com", "ci-password", tenant="ci@x.com")
    with strict_api(ESPECIAL) as api:
        tokens = _login(api, username="ci@x.com", password="ci-password").json()
        assert api.get("/users/self", headers=_bearer(tokens["access_token"])).status_code \
            == 200
    assert "ci@x.com" in {row["tenant"] for row in strict.tenants("especial")}
    shown = strict.credentials("especial")
    assert [(row["user"], row["tenant"]) for row in shown] == [("ci@x.com", "ci@x.com")]
    assert "ci-password" not in str(shown)
