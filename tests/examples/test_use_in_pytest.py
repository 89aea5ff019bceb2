"""The "Use it in pytest" examples of README.md: each one is a real test."""

from __future__ import annotations

import httpx
import pytest

from mailtwin import Sandbox


def test_a_scheduled_mailing_completes(mailtwin: Sandbox) -> None:
    with mailtwin.client("emma", auth=("public-key", "private-key")) as emma:
        sent = emma.post("/100/mailings/200", json={"recipient_emails": ["ann@example.com"]})
        mailing_id = sent.json()["mailing_id"]

        moved = mailtwin.clock.advance(hours=2)

        assert [m["to"] for m in moved if m["id"] == mailing_id] == ["i", "s", "c"]
        assert emma.get(f"/100/mailings/{mailing_id}").json()["mailing_status"] == "c"


@pytest.mark.mailtwin(clock="2018-09-16T12:00:00Z")
def test_pausing_a_mailing(mailtwin: Sandbox) -> None:
    with mailtwin.client("emma", auth=("public-key", "private-key")) as emma:
        assert emma.put("/100/mailings/211", json={"status": "paused"}).json() == "a"

    mailtwin.assert_requested("PUT", "/emma/100/mailings/211", json={"status": "paused"},
                              times=1)


def test_a_rate_limited_client_sees_retry_after(mailtwin: Sandbox) -> None:
    mailtwin.fault("rate_limit", provider="emma", retry_after=30, count=1)
    with mailtwin.client("emma", auth=("public-key", "private-key")) as emma:
        first = emma.get("/100/mailings/200")
        assert first.status_code == 429
        assert first.headers["retry-after"] == "30"
        assert emma.get("/100/mailings/200").status_code == 200


def test_without_a_socket(mailtwin_client: httpx.Client) -> None:
    response = mailtwin_client.get("/emma/100/mailings/200", auth=("public-key", "private-key"))
    assert response.json()["mailing_id"] == 200
