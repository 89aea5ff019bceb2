"""Attack: a page on another site makes the browser of someone who runs the sandbox send
requests to it: simple requests that need no CORS preflight (`text/plain`, forms), requests
with that page's Origin, and requests for the attacker's own name that DNS now points at the
sandbox (DNS rebinding)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin import Config, MailtwinApp
from tests.control.live import serving

AUTH = ("public", "private")
FAULT = b'{"effect": "error", "status": 503}'


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[MailtwinApp, str]]:
    with serving(Config(providers=("emma",), allowed_hosts=("sandbox.internal",))) as served:
        yield served


@pytest.fixture(autouse=True)
def no_faults(live: tuple[MailtwinApp, str]) -> Iterator[None]:
    live[0].runtime.faults.clear()
    yield
    live[0].runtime.faults.clear()


def _emma_still_answers(url: str) -> None:
    assert httpx.get(f"{url}/emma/100/mailings/200", auth=AUTH).status_code == 200


@pytest.mark.parametrize("media", ["text/plain", "text/plain;charset=UTF-8",
                                   "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", None])
def test_a_simple_cross_site_post_cannot_add_a_fault(live: tuple[MailtwinApp, str],
                                                     media: str | None) -> None:
    url = live[1]
    headers = {"content-type": media} if media else {}
    answer = httpx.post(f"{url}/__mailtwin/faults", content=FAULT, headers=headers)
    assert answer.status_code == 415
    assert answer.json()["problems"][0]["loc"] == ["header", "content-type"]
    assert live[0].runtime.faults.rules == []
    _emma_still_answers(url)


def test_a_form_cannot_reset_without_a_body(live: tuple[MailtwinApp, str]) -> None:
    answer = httpx.post(f"{live[1]}/__mailtwin/reset",
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 415


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1",
                                    "https://sandbox.internal"])
def test_a_request_from_another_origin_is_refused(live: tuple[MailtwinApp, str],
                                                  origin: str) -> None:
    url = live[1]
    answer = httpx.post(f"{url}/__mailtwin/faults", content=FAULT,
                        headers={"content-type": "application/json", "origin": origin})
    assert answer.status_code == 403
    assert answer.json()["problems"][0]["loc"] == ["header", "origin"]
    assert live[0].runtime.faults.rules == []
    _emma_still_answers(url)


def test_a_cross_site_read_is_refused(live: tuple[MailtwinApp, str]) -> None:
    answer = httpx.get(f"{live[1]}/__mailtwin/journal", headers={"sec-fetch-site": "cross-site"})
    assert answer.status_code == 403


def test_the_servers_own_origin_is_welcome(live: tuple[MailtwinApp, str]) -> None:
    url = live[1]
    answer = httpx.post(f"{url}/__mailtwin/faults", content=FAULT,
                        headers={"content-type": "application/json", "origin": url,
                                 "sec-fetch-site": "same-origin"})
    assert answer.status_code == 201


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost.evil:{port}",
                                  "127.0.0.1.nip.io:{port}", ""])
def test_dns_rebinding_reads_nothing(live: tuple[MailtwinApp, str], host: str) -> None:
    url = live[1]
    port = url.rsplit(":", 1)[1]
    for method, path in [("GET", "/__mailtwin/state"), ("GET", "/__mailtwin/journal"),
                         ("POST", "/__mailtwin/reset")]:
        answer = httpx.request(method, url + path, headers={"host": host.format(port=port)})
        assert answer.status_code == 403, (method, path)
        assert answer.json()["problems"][0]["loc"] == ["header", "host"]


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "LOCALHOST",
                                  "sandbox.internal:{port}", "sandbox.internal"])
def test_local_names_and_allowed_hosts_are_answered(live: tuple[MailtwinApp, str],
                                                     host: str) -> None:
    url = live[1]
    port = url.rsplit(":", 1)[1]
    answer = httpx.get(f"{url}/__mailtwin/health", headers={"host": host.format(port=port)})
    assert answer.status_code == 200


def test_provider_routes_answer_any_host(live: tuple[MailtwinApp, str]) -> None:
    answer = httpx.get(f"{live[1]}/emma/100/mailings/200", auth=AUTH,
                       headers={"host": "api.e2ma.test"})
    assert answer.status_code == 200
