"""Attack: HTTP Basic keyed only by the user name. `-u alice-pub:wrong` read Alice's Emma and
Emailicious data, since the public key alone named the tenant."""

from __future__ import annotations

import pytest

from mailtwin import Sandbox, credential_tenant
from tests.security.conftest import Connect

EMMA, EMAILICIOUS = "/emma", "/emailicious/api/v1"
REFUSED = {EMMA: {"error": "authorization: invalid HTTP Basic credentials: the password does "
                           "not match the user's"},
           EMAILICIOUS: {"detail": "Invalid username/password."}}
READ = {EMMA: "/100/mailings/200", EMAILICIOUS: "/mailings"}


@pytest.mark.parametrize("mount", [EMMA, EMAILICIOUS])
def test_a_known_user_with_another_password_is_refused(control: Sandbox, open_api: Connect,
                                                       mount: str) -> None:
    provider = mount.split("/")[1]
    control.add_credentials(provider, "alice-pub", "alice-private", tenant="alice")
    with open_api(mount, auth=("alice-pub", "alice-private")) as alice:
        assert alice.get(READ[mount]).status_code == 200
    with open_api(mount, auth=("alice-pub", "wrong")) as attacker:
        answer = attacker.get(READ[mount])
    assert answer.status_code == 401
    assert answer.json() == REFUSED[mount]
    assert answer.headers["www-authenticate"].startswith("Basic realm=")
    assert [row["tenant"] for row in control.tenants(provider)] == ["alice"]


def test_the_readme_demo_key_takes_only_its_own_private_key(open_api: Connect) -> None:
    with open_api(EMMA, auth=("public", "private")) as demo:
        assert demo.get("/100/mailings/200").status_code == 200
    with open_api(EMMA, auth=("public", "guess")) as attacker:
        assert attacker.get("/100/mailings/200").status_code == 401


@pytest.mark.parametrize("mount", [EMMA, EMAILICIOUS])
def test_unknown_credentials_are_a_tenant_of_user_and_password_together(
        control: Sandbox, open_api: Connect, mount: str) -> None:
    provider = mount.split("/")[1]
    with open_api(mount, auth=("alice-pub", "first")) as first:
        assert first.get(READ[mount]).status_code == 200
    with open_api(mount, auth=("alice-pub", "second")) as second:
        assert second.get(READ[mount]).status_code == 200
    names = {row["tenant"] for row in control.tenants(provider)}
    assert names == {credential_tenant("alice-pub", "first"),
                     credential_tenant("alice-pub", "second")}
    # The names hold the user and a hash, never the password.
    assert not any("first" in name or "second" in name for name in names)


def test_a_change_made_with_one_password_is_not_seen_with_another(open_api: Connect) -> None:
    with open_api(EMMA, auth=("alice-pub", "first")) as alice:
        assert alice.put("/100/mailings/211", json={"status": "paused"}).json() == "a"
    with open_api(EMMA, auth=("alice-pub", "second")) as attacker:
        assert attacker.get("/100/mailings/211").json()["mailing_status"] == "p"


@pytest.mark.parametrize("mount", [EMMA, EMAILICIOUS])
def test_strict_mode_refuses_credentials_it_does_not_know(strict: Sandbox,
                                                          strict_api: Connect,
                                                          mount: str) -> None:
    with strict_api(mount, auth=("made-up", "key")) as stranger:
        answer = stranger.get(READ[mount])
    assert answer.status_code == 401
    if mount == EMAILICIOUS:
        assert answer.json() == {"detail": "Invalid username/password."}
    else:
        assert answer.json() == {"error": "authorization: invalid HTTP Basic credentials: the "
                                          "sandbox knows no such user (strict mode)"}
    assert strict.tenants(mount.split("/")[1]) == []


def test_strict_mode_accepts_the_fixtures_and_added_credentials(strict: Sandbox,
                                                                strict_api: Connect) -> None:
    with strict_api(EMMA, auth=("public", "private")) as demo:
        assert demo.get("/100/mailings/200").status_code == 200
    strict.add_credentials("emma", "ci-pub", "ci-private")
    with strict_api(EMMA, auth=("ci-pub", "ci-private")) as added:
        assert added.get("/100/mailings/200").status_code == 200
    strict.remove_credentials("emma", "ci-pub")
    with strict_api(EMMA, auth=("ci-pub", "ci-private")) as removed:
        assert removed.get("/100/mailings/200").status_code == 401


def test_what_a_public_emma_client_sends_works_in_strict_mode(strict: Sandbox,
                                                              strict_api: Connect) -> None:
    """Emma clients send the public key and private key as Basic credentials, the account
    id in the path and `start` / `end` paging, and read a bare list."""
    strict.add_credentials("emma", "0123456789abcdef", "fedcba9876543210")
    with strict_api(EMMA, auth=("0123456789abcdef", "fedcba9876543210")) as emma:
        page = emma.get("/100/mailings", params={"start": 0, "end": 2})
        assert page.status_code == 200 and len(page.json()) == 2
        rest = emma.get("/100/mailings", params={"start": 2, "end": 500})
        assert rest.status_code == 200
        assert not {m["mailing_id"] for m in page.json()} & {
            m["mailing_id"] for m in rest.json()}
