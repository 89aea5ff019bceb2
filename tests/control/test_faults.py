"""Fault rules act on provider requests: errors, rate limits, latency, drops; seeded, counted."""

from __future__ import annotations

import httpx
import pytest

from mailtwin import Sandbox, credential_tenant


def test_error_fault_answers_in_the_provider_shape(sb: Sandbox, api: httpx.Client) -> None:
    sb.fault("error", provider="emma", method="PUT", path="/emma/*/mailings/*", status=503,
             message="try later")
    response = api.put("/100/mailings/211", json={"status": "paused"})
    assert response.status_code == 503
    assert response.json() == {"error": "try later"}
    assert api.get("/100/mailings/211").json()["mailing_status"] == "p"
    assert [e["status"] for e in sb.journal()] == [503, 200]


def test_rate_limit_sends_retry_after_and_rate_headers(sb: Sandbox, api: httpx.Client) -> None:
    sb.fault("rate_limit", provider="emma", retry_after=30, limit=50)
    response = api.get("/100/mailings/200")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "30"
    assert response.headers["x-ratelimit-limit"] == "50"
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-reset"] == str(1537099200 + 30)
    assert response.json() == {"error": "rate limit exceeded, retry after 30 s"}


def test_count_expires_the_rule(sb: Sandbox, api: httpx.Client) -> None:
    sb.fault("error", status=500, count=2)
    assert [api.get("/100/mailings/200").status_code for _ in range(3)] == [500, 500, 200]
    assert sb.faults() == []


def test_tenant_and_method_narrow_the_rule(sb: Sandbox, api: httpx.Client) -> None:
    sb.fault("error", tenant=credential_tenant("other", "key"), status=502)
    sb.fault("error", method="DELETE", status=500)
    assert api.get("/100/mailings/200").status_code == 200
    with sb.client("emma", auth=("other", "key")) as other:
        assert other.get("/100/mailings/200").status_code == 502


def test_latency_fault_delays_then_answers_normally(sb: Sandbox, api: httpx.Client) -> None:
    rule = sb.fault("latency", latency_ms=[1, 3])
    assert api.get("/100/mailings/200").status_code == 200
    assert sb.faults()[0]["hits"] == 1
    assert rule["latency_ms"] == [1, 3]


def test_dropped_connection_in_process(sb: Sandbox, api: httpx.Client) -> None:
    sb.fault("drop", path="/emma/100/mailings/200", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/100/mailings/200")
    assert api.get("/100/mailings/200").status_code == 200
    assert [e["status"] for e in sb.journal()] == [0, 200]


def test_dropped_connection_over_a_socket(mailtwin: Sandbox) -> None:
    mailtwin.fault("drop", provider="emma", count=1)
    with mailtwin.client("emma", auth=("public", "private")) as api:
        with pytest.raises(httpx.RemoteProtocolError):
            api.get("/100/mailings/200")
        assert api.get("/100/mailings/200").status_code == 200


def _pattern(sb: Sandbox, api: httpx.Client) -> list[int]:
    sb.reset()
    sb.fault("error", status=500, probability=0.5)
    return [api.get("/100/mailings/200").status_code for _ in range(20)]


def test_probability_is_seeded_so_reruns_behave_the_same(sb: Sandbox, api: httpx.Client
                                                        ) -> None:
    first = _pattern(sb, api)
    assert set(first) == {200, 500}
    assert _pattern(sb, api) == first


def test_list_and_delete(sb: Sandbox, control: httpx.Client) -> None:
    one = sb.fault("error", status=500)
    sb.fault("drop", provider="emma")
    assert [f["effect"] for f in sb.faults()] == ["error", "drop"]
    assert control.delete(f"/__mailtwin/faults/{one['id']}").json() == {"deleted": one["id"]}
    assert [f["effect"] for f in sb.faults()] == ["drop"]
    missing = control.delete("/__mailtwin/faults/99")
    assert missing.status_code == 404
    assert missing.json()["error"] == "id: no fault rule with id 99"
    assert control.delete("/__mailtwin/faults").json() == {"deleted": 1}


@pytest.mark.parametrize(("body", "where"), [
    ({"effect": "explode"}, ["body", "effect"]),
    ({"effect": "latency"}, ["body", "latency_ms"]),
    ({"effect": "latency", "latency_ms": [5, 1]}, ["body", "latency_ms"]),
    ({"effect": "error", "status": 200}, ["body", "status"]),
    ({"effect": "drop", "status": 500}, ["body", "status"]),
    ({"effect": "error", "provider": "nope"}, ["body", "provider"]),
    ({"effect": "error", "probability": 2}, ["body", "probability"]),
    ({"effect": "error", "count": 0}, ["body", "count"]),
])
def test_bad_rules_are_refused(sb: Sandbox, control: httpx.Client, body: dict[str, object],
                               where: list[str]) -> None:
    response = control.post("/__mailtwin/faults", json=body)
    assert response.status_code == 400
    assert response.json()["problems"][0]["loc"] == where
    assert sb.faults() == []


def test_latency_and_error_over_a_socket(mailtwin: Sandbox) -> None:
    mailtwin.fault("latency", provider="emma", latency_ms=2, count=1)
    mailtwin.fault("error", provider="emma", method="GET", status=503, count=1)
    with mailtwin.client("emma", auth=("public", "private")) as api:
        delayed = api.get("/100/mailings/200")
        assert delayed.status_code == 200
        assert delayed.json()["mailing_id"] == 200
        failed = api.get("/100/mailings/200")
        assert failed.status_code == 503
        assert failed.json() == {"error": "fault injected by the sandbox (status 503)"}
    assert mailtwin.faults() == []
