"""The request log: one line per request, no credentials, no work when it is off."""

from __future__ import annotations

import asyncio
import logging
import re

import httpx
import pytest

from mailtwin import MailtwinApp, Sandbox, accesslog
from mailtwin.accesslog import tenant_label, token_label

LINE = re.compile(r"^(\S+) (\S+) (\d+) provider=(\S+) tenant=(\S+) \d+\.\dms$")


def through_asgi(app: MailtwinApp, *requests: httpx.Request) -> list[int]:
    """Send requests through the app's ASGI entry point, as uvicorn does."""

    async def send_all() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://mailtwin.test") as http:
            statuses = []
            for request in requests:
                try:
                    statuses.append((await http.send(request)).status_code)
                except AssertionError:
                    # httpx's ASGI transport asserts when an answer is cut short (a drop).
                    statuses.append(0)
            return statuses

    return asyncio.run(send_all())


def request(method: str, url: str, **kwargs: object) -> httpx.Request:
    return httpx.Request(method, "http://mailtwin.test" + url, **kwargs)  # type: ignore[arg-type]


def test_one_line_per_request_without_credentials(sandbox: MailtwinApp,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    basic = httpx.BasicAuth("public-key", "private-key")
    sent = [
        request("GET", "/emma/100/mailings/200?api_key=query-secret",
                headers={"Authorization": basic._auth_header}),
        request("GET", "/outreach/api/v2/mailings?access_token=other-secret",
                headers={"Authorization": "Bearer token-secret"}),
        request("GET", "/outreach/api/v2/mailings"),
        request("GET", "/__mailtwin/health"),
        request("GET", "/nowhere"),
    ]
    with caplog.at_level(logging.INFO, logger="mailtwin.access"):
        statuses = through_asgi(sandbox, *sent)
    assert statuses == [200, 200, 401, 200, 404]
    lines = [LINE.match(r.getMessage()) for r in caplog.records]
    assert [m.groups() if m else None for m in lines] == [
        ("GET", "/emma/100/mailings/200", "200", "emma", "public-key"),
        ("GET", "/outreach/api/v2/mailings", "200", "outreach", token_label("token-secret")),
        ("GET", "/outreach/api/v2/mailings", "401", "outreach", "-"),
        ("GET", "/__mailtwin/health", "200", "-", "-"),
        ("GET", "/nowhere", "404", "-", "-"),
    ]
    assert all(r.name == "mailtwin.access" and r.levelno == logging.INFO for r in caplog.records)
    text = caplog.text
    for secret in ("secret", "private-key", basic._auth_header.split()[1], "Authorization"):
        assert secret not in text


def test_a_dropped_connection_is_status_0(sandbox: MailtwinApp,
                                          caplog: pytest.LogCaptureFixture) -> None:
    with Sandbox(app=sandbox) as sb:
        sb.fault("drop", provider="emma", count=1)
    basic = httpx.BasicAuth("public-key", "private-key")
    with caplog.at_level(logging.INFO, logger="mailtwin.access"):
        through_asgi(sandbox, request("GET", "/emma/100/mailings/200",
                                      headers={"Authorization": basic._auth_header}))
    [line] = [LINE.match(r.getMessage()) for r in caplog.records]
    assert line is not None
    assert line.group(3, 4, 5) == ("0", "emma", "public-key")


def test_no_work_when_the_log_is_off(sandbox: MailtwinApp, monkeypatch: pytest.MonkeyPatch,
                                     caplog: pytest.LogCaptureFixture) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("the request log is off")

    monkeypatch.setattr(accesslog, "log_request", refuse)
    monkeypatch.setattr(accesslog, "tenant_label", refuse)
    with caplog.at_level(logging.WARNING, logger="mailtwin.access"):
        assert not accesslog.enabled()
        assert through_asgi(sandbox, request("GET", "/__mailtwin/health")) == [200]


def test_tenant_labels(sandbox: MailtwinApp) -> None:
    providers = sandbox.runtime.providers
    assert tenant_label(providers["emma"], "public-key") == "public-key"
    assert tenant_label(providers["especial"], "demo") == token_label("demo")
    assert tenant_label(providers["outreach"], "demo") == token_label("demo")
    assert tenant_label(None, None) == "-"
    # The same in every run, so a known tenant's lines can be found.
    assert token_label("demo") == "~4aa01ece"
    assert tenant_label(providers["emma"], "two\nlines") == token_label("two\nlines")
