"""The journal: what was received, queried by provider, method, path glob and status; bounded."""

from __future__ import annotations

import httpx
import pytest

from mailtwin import Sandbox, redacted


def _traffic(api: httpx.Client) -> None:
    assert api.get("/100/mailings/200").status_code == 200
    assert api.put("/100/mailings/211", json={"status": "paused"}).status_code == 200
    assert api.get("/100/mailings/999").status_code == 404


def test_every_request_is_recorded_with_its_answer(sb: Sandbox, api: httpx.Client) -> None:
    _traffic(api)
    entries = sb.journal()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/emma/100/mailings/200", 200), ("PUT", "/emma/100/mailings/211", 200),
        ("GET", "/emma/100/mailings/999", 404)]
    put = entries[1]
    assert put["provider"] == "emma"
    assert put["tenant"] == "public"
    assert put["body"] == {"status": "paused"}
    assert put["response"] == "a"
    assert put["time"] == "2018-09-16T12:00:00.000000Z"
    assert put["headers"]["authorization"] == redacted("Basic cHVibGljOnByaXZhdGU=")
    assert put["truncated"] is False
    exact = sb.journal(secrets=True)[1]
    assert exact["headers"]["authorization"] == "Basic cHVibGljOnByaXZhdGU="
    assert entries[2]["response"] == {"error": "Mailing 999 not found"}


def test_query_filters(sb: Sandbox, api: httpx.Client) -> None:
    _traffic(api)
    assert len(sb.journal(method="get")) == 2
    assert len(sb.journal(status=404)) == 1
    assert [e["path"] for e in sb.journal(path="/emma/*/mailings/2*")] == [
        "/emma/100/mailings/200", "/emma/100/mailings/211"]
    assert len(sb.journal(provider="emma", tenant="public")) == 3
    assert sb.journal(provider="other") == []
    assert [e["status"] for e in sb.journal(last=1)] == [404]


def test_query_string_is_recorded(sb: Sandbox, api: httpx.Client) -> None:
    api.get("/100/mailings", params={"mailing_statuses": "p,a", "end": 5})
    assert sb.journal()[0]["query"] == "mailing_statuses=p%2Ca&end=5"


def test_clear(sb: Sandbox, api: httpx.Client, control: httpx.Client) -> None:
    _traffic(api)
    response = control.delete("/__mailtwin/journal")
    assert response.status_code == 200
    assert response.json() == {"cleared": 3}
    assert sb.journal() == []


def test_limit_drops_the_oldest_first(sb: Sandbox, api: httpx.Client) -> None:
    sb.journal_limit(2)
    try:
        _traffic(api)
        assert [e["path"] for e in sb.journal()] == ["/emma/100/mailings/211",
                                                      "/emma/100/mailings/999"]
    finally:
        sb.journal_limit(10_000)


@pytest.mark.parametrize(("query", "where"), [("status=abc", ["query", "status"]),
                                              ("last=0", ["query", "last"])])
def test_bad_query_is_refused(control: httpx.Client, query: str, where: list[str]) -> None:
    response = control.get(f"/__mailtwin/journal?{query}")
    assert response.status_code == 400
    assert response.json()["problems"][0]["loc"] == where


def test_bad_limit_is_refused(control: httpx.Client) -> None:
    response = control.put("/__mailtwin/journal/limit", json={"limit": 0})
    assert response.status_code == 400
    assert response.json()["problems"][0]["loc"] == ["body", "limit"]
