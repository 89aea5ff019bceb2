"""Delivery of a campaign to 10,000 contacts: how long from the clock reaching its send time
until every message and its planned events exist, how long a week of their events takes to
fire, the memory 10,000 messages take, and the p99 / p50 of provider GETs served while a
server sends and fires them.

    python bench/delivery.py                  # 10,000 contacts
    python bench/delivery.py --contacts 2000 --clients 4 --seconds 3

The in-process phase compares with a baseline measured in the same run: choosing the same
10,000 recipients (the campaign's audience) without sending. The server phase runs
`mailtwin serve` on 127.0.0.1 (stopped by PID, bounded in time) and loads its state with the
contacts through the control plane.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import statistics
import sys
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from shared_load import free_port, start_server, stop_server  # noqa: E402

from mailtwin import Clock, Config, create_app  # noqa: E402
from mailtwin.app import MailtwinApp  # noqa: E402
from mailtwin.inprocess import client  # noqa: E402
from mailtwin.providers.especial.audience import recipients  # noqa: E402
from mailtwin.statefile import export_state  # noqa: E402

HOST = "127.0.0.1"
START = datetime(2018, 9, 16, 12, tzinfo=UTC)
SEND = int(START.timestamp()) + 3600
TENANT = "bench-token"
WEEK = 7 * 86400
START_TIMEOUT_S = 20.0


def prepared(contacts: int) -> MailtwinApp:
    """An app whose Especial tenant's list 1 holds `contacts` active contacts and whose
    campaign 2 (with a tracked link) is scheduled for SEND."""
    app = create_app(Config(seed=0), Clock(frozen_at=START))
    with client(app, base_url="http://bench/especial",
                headers={"Authorization": f"Bearer {TENANT}"}) as http:
        assert http.get("/lists/1").status_code == 200
        tenant = app.runtime.store.tenant("especial", TENANT)
        collection = tenant.collections["contact"]
        for contact in list(collection.records.values()):
            if contact.get("list_id") == 1:
                collection.delete(contact["id"])
        for n in range(contacts):
            collection.insert({"id": 100_000 + n, "email": f"reader{n}@bench.example.com",
                               "list_id": 1, "status": "active", "subscribed_on": 1514764800,
                               "last_bounce_type": "", "bounces_count": 0, "tags": [],
                               "interests": [], "custom_attributes": [
                                   {"name": "first_name", "value": f"Reader {n}"}]})
        patched = http.patch("/campaigns/2", json={"content": {
            "subject": "Spring for {{ first_name }}",
            "html": '<p>Hi {{ first_name }}, <a href="https://shop.example.com/a">shop</a> '
                    'or <a href="https://shop.example.com/b">read</a>.</p>',
            "text": "Hi {{ first_name }}"}})
        assert patched.status_code == 200, patched.text
        scheduled = http.post("/campaigns/2/schedule", json={"date": SEND})
        assert scheduled.status_code == 200, scheduled.text
    return app


def _audience_seconds(app: MailtwinApp) -> float:
    tenant = app.runtime.store.tenant("especial", TENANT)
    campaign = tenant.collections["campaign"].records[2]
    began = time.perf_counter()
    chosen = recipients(tenant, campaign["audience"])
    took = time.perf_counter() - began
    assert chosen
    return took


def in_process(contacts: int) -> dict[str, Any]:
    """Send time, fire time and memory, with the baseline of the same run."""
    app = prepared(contacts)
    runtime = app.runtime
    baseline = min(_audience_seconds(app) for _ in range(3))
    gc.collect()
    began = time.perf_counter()
    runtime.clock.set(datetime.fromtimestamp(SEND, UTC))
    runtime.engine.fire_due(runtime.clock.timestamp())
    send = time.perf_counter() - began
    outbox = runtime.store.tenant("especial", TENANT).outbox
    assert len(outbox) == contacts, len(outbox)
    planned = sum(len(m.timeline) for m in outbox)
    began = time.perf_counter()
    runtime.clock.advance(timedelta(seconds=WEEK + 61))
    runtime.engine.fire_due(runtime.clock.timestamp())
    fire = time.perf_counter() - began
    assert all(m.fired == len(m.timeline) for m in outbox if m.mailing == 2)

    memory_app = prepared(contacts)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    memory_app.runtime.clock.set(datetime.fromtimestamp(SEND, UTC))
    memory_app.runtime.engine.fire_due(memory_app.runtime.clock.timestamp())
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    held = memory_app.runtime.store.tenant("especial", TENANT).outbox
    return {"contacts": contacts, "send_seconds": round(send, 3),
            "audience_baseline_seconds": round(baseline, 4),
            "send_to_baseline": round(send / baseline, 1) if baseline else None,
            "events_planned": planned, "fire_week_seconds": round(fire, 3),
            "memory_bytes_per_10k_messages": int((after - before) * 10_000 / contacts),
            "outbox_counted_bytes_per_10k": int(held.bytes * 10_000 / contacts)}


# -- a server under GET load while it sends ------------------------------------------------


def _call(port: int, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(method, path, body=data,
                     headers={"content-type": "application/json"} if data else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _get_loop(port: int, until: float, out: list[float], stop: threading.Event) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"authorization": "Bearer other-reader"}
    while time.monotonic() < until and not stop.is_set():
        began = time.perf_counter()
        conn.request("GET", "/especial/campaigns/2", headers=headers)
        conn.getresponse().read()
        out.append(time.perf_counter() - began)
    conn.close()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def under_load(contacts: int, clients: int, seconds: float) -> dict[str, Any]:
    """GET p50 / p99 alone, then while the server sends and fires a week of events."""
    document = export_state(prepared(contacts).runtime)
    port = free_port()
    process = start_server(port, REPO / "src", "--quiet", timeout=START_TIMEOUT_S)
    try:
        status, answer = _call(port, "PUT", "/__mailtwin/state", document)
        assert status == 200, answer[:300]
        _call(port, "GET", "/especial/campaigns/2")  # the reader's tenant exists before timing

        def measure(action: Any) -> tuple[list[float], float]:
            samples: list[float] = []
            stop = threading.Event()
            until = time.monotonic() + seconds
            threads = [threading.Thread(target=_get_loop, args=(port, until, samples, stop))
                       for _ in range(clients)]
            for thread in threads:
                thread.start()
            took = 0.0
            try:
                time.sleep(seconds / 4)
                if action is not None:
                    began = time.perf_counter()
                    action()
                    took = time.perf_counter() - began
            finally:
                for thread in threads:
                    thread.join(timeout=seconds + 60)
                stop.set()
            return samples, took

        quiet, _ = measure(None)

        def send_and_fire() -> None:
            moment = datetime.fromtimestamp(SEND, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            assert _call(port, "PUT", "/__mailtwin/clock", {"now": moment})[0] == 200
            assert _call(port, "POST", "/__mailtwin/clock/advance",
                         {"seconds": WEEK + 61})[0] == 200

        busy, took = measure(send_and_fire)
        status, answer = _call(port, "GET", "/__mailtwin/outbox?provider=especial&limit=1")
        sent = json.loads(answer)["count"]
    finally:
        stop_server(process)
    quiet_p50, quiet_p99 = _percentiles(quiet)
    busy_p50, busy_p99 = _percentiles(busy)
    return {"clients": clients, "seconds": seconds, "messages_sent": sent,
            "send_and_fire_seconds_over_http": round(took, 3),
            "quiet_gets": len(quiet), "quiet_p50_ms": round(quiet_p50 * 1000, 2),
            "quiet_p99_ms": round(quiet_p99 * 1000, 2),
            "busy_gets": len(busy), "busy_p50_ms": round(busy_p50 * 1000, 2),
            "busy_p99_ms": round(busy_p99 * 1000, 2),
            "busy_p99_over_p50": round(busy_p99 / busy_p50, 2),
            "quiet_p99_over_p50": round(quiet_p99 / quiet_p50, 2),
            "busy_p99_over_quiet_p99": round(busy_p99 / quiet_p99, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--no-server", action="store_true", help="the in-process phase only")
    args = parser.parse_args()
    results: dict[str, Any] = {"in_process": in_process(args.contacts)}
    print(json.dumps(results, indent=2), flush=True)
    if not args.no_server:
        results["server"] = under_load(args.contacts, args.clients, min(args.seconds, 30.0))
        print(json.dumps(results["server"], indent=2))
    ok = results["in_process"]["send_seconds"] < 2.0 and (
        args.no_server or results["server"]["busy_p99_over_p50"] <= 3.0)
    print("targets met" if ok else "targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
