"""Attack: `GET /__mailtwin/state` on a server holding many tenants, which used to build the
whole document in memory and hold the event loop until done, stalling every other client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mailtwin import Clock, Config, MailtwinApp, create_app, credential_tenant
from mailtwin.state_stream import document
from mailtwin.statefile import export_state
from tests.control.live import START

Sent = Callable[[dict[str, Any]], Awaitable[None]]


def _app(tenants: int) -> MailtwinApp:
    app = create_app(Config(providers=("emma",)), Clock(frozen_at=START))
    for number in range(tenants):
        app.runtime.store.tenant("emma", credential_tenant(f"tenant-{number:04d}", "key"))
    return app


def _scope(method: str, path: str, query: bytes = b"",
           headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": query, "root_path": "", "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8040),
            "headers": [(b"host", b"127.0.0.1:8040"), *(headers or [])]}


async def _call(app: MailtwinApp, scope: dict[str, Any], body: bytes = b"",
                on_chunk: Callable[[bytes], Awaitable[None]] | None = None
                ) -> tuple[int, bytes]:
    """Serve one request through the ASGI app; the status and the whole body."""
    status, chunks = 0, []
    answered = asyncio.Event()
    given = False

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await answered.wait()  # the client stays until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message.get("body"):
            chunks.append(message["body"])
            if on_chunk is not None:
                await on_chunk(message["body"])

        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    await app(scope, receive, send)
    return status, b"".join(chunks)


def test_the_export_streams_and_never_holds_the_loop_long() -> None:
    app = _app(150)

    async def scenario() -> list[str]:
        order: list[str] = []
        done = False

        async def ticker() -> None:
            while not done:
                await asyncio.sleep(0)
                if order and order[-1] != "tick":
                    order.append("tick")

        async def counted(chunk: bytes) -> None:
            order.append("chunk")

        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        status, body = await _call(app, _scope("GET", "/__mailtwin/state"), on_chunk=counted)
        done = True
        await ticking
        assert status == 200
        assert len(json.loads(body)["tenants"]) == 150
        return order

    order = asyncio.run(scenario())
    chunks = order.count("chunk")
    assert chunks > 10, chunks
    # Another task runs between every two chunks: the loop is handed back after each one
    # (how often a chunk is cut is a time slice; bench/ measures the latency it gives).
    between = "".join("c" if step == "chunk" else "t" for step in order)
    assert "cc" not in between, between


def test_the_export_is_the_state_at_the_moment_it_was_asked_for() -> None:
    app = _app(40)
    last = credential_tenant("tenant-0039", "key")
    auth = [(b"authorization", b"Basic " + __import__("base64").b64encode(b"tenant-0039:key"))]
    newcomer = [(b"authorization", b"Basic bmV3Y29tZXI6a2V5")]
    changed: list[int] = []

    async def change_once(chunk: bytes) -> None:
        if changed:
            return
        status, _ = await _call(app, _scope("PUT", "/emma/100/mailings/211", headers=[
            *auth, (b"content-type", b"application/json")]), b'{"status": "paused"}')
        created, _ = await _call(app, _scope("GET", "/emma/100/mailings/200",
                                             headers=newcomer))
        changed.extend([status, created])

    async def scenario() -> bytes:
        status, body = await _call(app, _scope("GET", "/__mailtwin/state"),
                                   on_chunk=change_once)
        assert status == 200
        return body

    exported = json.loads(asyncio.run(scenario()))
    assert changed == [200, 200]
    rows = {t["tenant"]: t for t in exported["tenants"]}
    assert credential_tenant("newcomer", "key") not in rows and len(rows) == 40
    mailing = next(r for r in rows[last]["collections"]["mailing"]["records"]
                   if r["mailing_id"] == 211)
    assert mailing["mailing_status"] == "p"
    live = app.runtime.store.tenant("emma", last).collections["mailing"].get(211)
    assert live is not None and live["mailing_status"] == "a"
    assert app.runtime.store.cuts == []


@pytest.mark.parametrize("secrets", [True, False])
def test_the_streamed_document_is_the_state_file_document(secrets: bool) -> None:
    app = _app(3)
    app.runtime.store.tenant("emma", "tenant-0001").collections["mailing"].update(
        211, {"mailing_status": "a"})
    streamed = document(app.runtime, secrets=secrets)
    assert streamed == export_state(app.runtime)
