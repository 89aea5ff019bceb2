"""Attack: a client on the network drives the control plane of a server started with
`--control-token`, without the token or with a wrong one."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin import Config, MailtwinApp, Sandbox, SandboxError
from mailtwin.control.guard import ControlGuard
from tests.control.live import serving

TOKEN = "team-sandbox-7f3a9c"
AUTH = ("public", "private")


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[MailtwinApp, str]]:
    with serving(Config(providers=("emma",), control_token=TOKEN)) as served:
        yield served


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": f"Bearer {TOKEN}x"}])
def test_a_reset_without_the_token_is_refused(live: tuple[MailtwinApp, str],
                                              headers: dict[str, str]) -> None:
    url = live[1]
    httpx.put(f"{url}/emma/100/mailings/211", json={"status": "paused"}, auth=AUTH)
    answer = httpx.post(f"{url}/__mailtwin/reset", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer realm="mailtwin control plane"'
    body = answer.json()
    assert body["problems"][0]["loc"] == ["header", "authorization"]
    assert body["problems"][0]["type"] == "unauthorized"
    assert httpx.get(f"{url}/emma/100/mailings/211", auth=AUTH).json()[
        "mailing_status"] == "a"


@pytest.mark.parametrize("path", ["/__mailtwin/health", "/__mailtwin/state",
                                  "/__mailtwin/journal", "/__mailtwin/tenants",
                                  "/__mailtwin/nothing"])
def test_reading_without_the_token_is_refused(live: tuple[MailtwinApp, str], path: str) -> None:
    assert httpx.get(live[1] + path).status_code == 401


def test_the_token_opens_the_control_plane(live: tuple[MailtwinApp, str]) -> None:
    answer = httpx.get(f"{live[1]}/__mailtwin/health",
                       headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_provider_apis_do_not_need_the_control_token(live: tuple[MailtwinApp, str]) -> None:
    assert httpx.get(f"{live[1]}/emma/100/mailings/200", auth=AUTH).status_code == 200


def test_the_sandbox_client_sends_the_token(live: tuple[MailtwinApp, str]) -> None:
    with Sandbox(live[1], token=TOKEN) as sandbox:
        assert sandbox.reset()["seed"] == 0
        with sandbox.client("emma", auth=AUTH) as emma:
            # The provider client does not carry the control token.
            assert "authorization" not in {k.lower() for k in emma.headers}
            assert emma.get("/100/mailings/200").status_code == 200
    with Sandbox(live[1]) as anonymous, pytest.raises(SandboxError) as refused:
        anonymous.health()
    assert refused.value.status == 401


def test_tokens_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch,
                                              live: tuple[MailtwinApp, str]) -> None:
    import hmac

    seen: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def compare(given: bytes, wanted: bytes) -> bool:
        seen.append((given, wanted))
        return original(given, wanted)

    monkeypatch.setattr(hmac, "compare_digest", compare)
    httpx.get(f"{live[1]}/__mailtwin/health", headers={"Authorization": "Bearer guess"})
    assert seen == [(b"guess", TOKEN.encode())]
    assert isinstance(live[0].control, ControlGuard)


def test_a_dashboard_page_without_the_token_explains_how_to_give_it(
        live: tuple[MailtwinApp, str]) -> None:
    answer = httpx.get(f"{live[1]}/__mailtwin/ui/journal")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/html")
    assert "?token=&lt;token&gt;" in answer.text
    assert "/emma/" not in answer.text
    wrong = httpx.get(f"{live[1]}/__mailtwin/ui/journal?token=guess")
    assert wrong.status_code == 401


def test_the_token_in_a_dashboard_address_becomes_a_strict_cookie(
        live: tuple[MailtwinApp, str]) -> None:
    url = live[1]
    login = httpx.get(f"{url}/__mailtwin/ui/journal?status=200&token={TOKEN}")
    assert login.status_code == 303
    assert login.headers["location"] == "/__mailtwin/ui/journal?status=200"
    cookie = login.headers["set-cookie"]
    assert cookie.startswith(f"mailtwin_token={TOKEN};")
    assert "SameSite=Strict" in cookie and "Path=/__mailtwin" in cookie
    with httpx.Client(base_url=url, cookies={"mailtwin_token": TOKEN}) as browser:
        assert browser.get("/__mailtwin/ui/journal").status_code == 200
        assert browser.get("/__mailtwin/journal").status_code == 200
        assert browser.get("/__mailtwin/events", params={"seconds": 0.1}).status_code == 200
    with httpx.Client(base_url=url, cookies={"mailtwin_token": "stale"}) as browser:
        assert browser.get("/__mailtwin/journal").status_code == 401
