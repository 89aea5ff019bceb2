"""The live event stream: bounded queues per follower, and server-sent events over a socket."""

from __future__ import annotations

import asyncio
import threading

import httpx

from mailtwin import Sandbox
from mailtwin.events import EventHub
from tests.control.live import sse_events


def test_a_slow_follower_loses_the_oldest_events_and_is_told() -> None:
    async def scenario() -> list[tuple[str, dict[str, object]]]:
        hub = EventHub(limit=3)
        follower = hub.subscribe()
        for n in range(1, 8):
            hub.publish("request", {"seq": n})
        return [(e.kind, e.data) for e in await follower.next_batch(1)]

    assert asyncio.run(scenario()) == [("gap", {"dropped": 4}), ("request", {"seq": 5}),
                                       ("request", {"seq": 6}), ("request", {"seq": 7})]


def test_events_published_from_another_thread_wake_the_follower() -> None:
    async def scenario() -> list[object]:
        hub = EventHub()
        follower = hub.subscribe()
        worker = threading.Thread(target=hub.publish, args=("move", {"id": 1}))
        worker.start()
        batch = await follower.next_batch(5)
        worker.join()
        follower.close()
        assert hub.subscriptions == []
        return [e.data for e in batch]

    assert asyncio.run(scenario()) == [{"id": 1}]


def test_a_follower_with_nothing_to_read_times_out_empty() -> None:
    async def scenario() -> list[object]:
        follower = EventHub().subscribe()
        return list(await follower.next_batch(0.01))

    assert asyncio.run(scenario()) == []


def test_requests_moves_and_control_changes_stream_as_they_happen(
        mailtwin: Sandbox, mailtwin_url: str) -> None:
    mailtwin.clock.set("2018-09-22T10:29:00Z")
    timeout = httpx.Timeout(10.0)
    with httpx.Client(base_url=mailtwin_url, timeout=timeout) as http, \
            http.stream("GET", "/__mailtwin/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse_events(stream.iter_lines())
        kind, hello = next(events)
        assert kind == "hello" and hello["seq"] == 0
        with mailtwin.client("emma", auth=("public", "private")) as emma:
            emma.get("/100/mailings/211")
        kind, request = next(events)
        assert kind == "request"
        assert (request["method"], request["path"], request["status"], request["tenant"]) == (
            "GET", "/emma/100/mailings/211", 200, "public")
        assert "headers" not in request
        mailtwin.clock.advance(minutes=1)
        seen = [next(events) for _ in range(2)]
        assert ("move", {"provider": "emma", "tenant": "public", "resource": "mailing",
                         "id": 211, "from": "p", "to": "i", "at": "2018-09-22T10:30:00Z",
                         "via": "clock"}) in seen
        assert next(e for e in seen if e[0] == "control")[1]["operation"] == "advance_clock"


def test_the_stream_ends_after_the_seconds_asked(mailtwin: Sandbox, mailtwin_url: str) -> None:
    response = httpx.get(f"{mailtwin_url}/__mailtwin/events", params={"seconds": 0.2},
                         timeout=5)
    assert response.status_code == 200
    assert [kind for kind, _ in sse_events(iter(response.text.splitlines()))] == ["hello"]
    refused = httpx.get(f"{mailtwin_url}/__mailtwin/events", params={"seconds": 0})
    assert refused.status_code == 400
