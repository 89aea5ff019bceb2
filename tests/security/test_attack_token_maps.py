"""Attack: a client that logs in over and over (or asks for MFA challenges it never
completes) grew the provider's token map and challenge map without end. Both are bounded in
count and expire on the sandbox clock; so are the credentials the API registers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, Sandbox, create_app
from mailtwin.inprocess import client
from mailtwin.oauth2 import TokenStore
from mailtwin.providers.especial import challenge
from mailtwin.providers.especial.mfa import totp
from tests.conftest import SEED_TIME
from tests.especial.conftest import NOW


def test_a_full_token_store_drops_expired_tokens_first_then_the_oldest() -> None:
    shared: dict[str, object] = {}
    store = TokenStore(shared, {"access_lifetime": 10, "refresh_lifetime": 10}, limit=10)
    lapsed = [store.issue("t", 0.0)[0] for _ in range(2)]
    kept = [store.issue("t", 100.0)[0] for _ in range(3)]
    # 10 tokens held; the next pair finds the 4 issued at 0 expired at 100 and drops them.
    latest = store.issue("t", 100.0)[0]
    assert len(store) == 8
    assert all(store.find(token) is None for token in lapsed)
    assert all(store.find(token) is not None for token in [*kept, latest])
    for _ in range(50):
        store.issue("t", 100.0)
    assert len(store) <= 10
    assert store.find(kept[0]) is None


@pytest.fixture
def small() -> Iterator[tuple[MailtwinApp, httpx.Client]]:
    app = create_app(Config(seed=0, providers=("outreach", "especial"), max_tokens=20,
                            max_credentials=3), Clock(frozen_at=SEED_TIME))
    with client(app, base_url="http://mailtwin.test") as http:
        yield app, http


def test_logging_in_past_the_bound_keeps_the_token_map_at_it(
        small: tuple[MailtwinApp, httpx.Client]) -> None:
    app, http = small
    form = {"grant_type": "client_credentials", "client_id": "loop", "client_secret": "s"}
    issued = [http.post("/outreach/oauth/token", data=form).json()["access_token"]
              for _ in range(40)]
    assert len(app.runtime.store.shared_state("outreach")["tokens"]) <= 20

    def status(token: str) -> int:
        return http.get("/outreach/api/v2/stages",
                        headers={"Authorization": f"Bearer {token}"}).status_code

    assert status(issued[-1]) == 200
    assert status(issued[0]) == 200  # no longer issued here: a raw token of its own tenant
    held = app.runtime.store.shared_state("outreach")["tokens"]
    assert issued[0] not in held and issued[-1] in held


def test_challenges_past_the_bound_keep_the_newest_and_lapse_on_the_clock(
        small: tuple[MailtwinApp, httpx.Client], monkeypatch: pytest.MonkeyPatch) -> None:
    app, http = small
    app.runtime.clock.set(SEED_TIME)
    monkeypatch.setattr(challenge, "LIMIT", 3)
    login = {"username": "mfa@x.com", "password": "mfa-pw"}
    tokens = http.post("/especial/token", data=login).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    made = http.post("/especial/users/self/mfa", headers=bearer, json={"type": "totp"}).json()
    assert http.post(f"/especial/users/self/mfa/{made['id']}/activate", headers=bearer,
                     json={"code": totp(made["data"]["secret"], NOW)}).status_code == 200
    idents = [http.post("/especial/token", data=login).json()["challenge"] for _ in range(6)]
    held = app.runtime.store.shared_state("especial")["challenges"]
    assert list(held) == idents[-3:]
    app.runtime.clock.set(SEED_TIME + timedelta(seconds=challenge.LIFETIME + 1))
    newest = http.post("/especial/token", data=login).json()["challenge"]
    assert list(app.runtime.store.shared_state("especial")["challenges"]) == [newest]


def test_registered_users_past_the_bound_drop_the_oldest_and_added_ones_get_a_409(
        small: tuple[MailtwinApp, httpx.Client]) -> None:
    app, http = small
    tokens = http.post("/especial/token", data={"username": "a@x.com", "password": "pw"})
    bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    for n in range(5):
        user = {"email": f"user{n}@x.com", "password": "long-enough", "first_name": "U",
                "last_name": str(n)}
        assert http.post("/especial/users?skip_verification=true", headers=bearer,
                         json=user).status_code == 201
    known = app.runtime.credentials(app.runtime.providers["especial"])
    assert sorted(known.users) == ["user2@x.com", "user3@x.com", "user4@x.com"]
    with Sandbox(app=app) as sb:
        sb.remove_credentials("especial", "user2@x.com")
        sb.add_credentials("especial", "ci@x.com", "ci-pw")
        answer = sb.http.post("/__mailtwin/credentials", json={
            "provider": "especial", "user": "x@x.com", "password": "x"})
        assert answer.status_code == 409
        assert "max_credentials" in answer.json()["error"]
