"""An httpx transport that serves requests from an app in the same process, no socket."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from mailtwin.app import CONTROL_PREFIX, MailtwinApp, Receive, Scope, Send
from mailtwin.control.guard import IN_PROCESS
from mailtwin.request import Request


class InProcessTransport(httpx.BaseTransport):
    """Calls the sandbox directly: provider requests synchronously, the control plane
    through its ASGI app on a private event loop."""

    def __init__(self, app: MailtwinApp) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = request.read()
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            return self._asgi(request, body)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in request.headers.raw}
        base = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
        exchange = self.app.runtime.serve(
            Request(request.method, path, request.url.query, headers, body, base))
        if exchange.delay:
            time.sleep(exchange.delay)
        if exchange.dropped:
            raise httpx.RemoteProtocolError("the sandbox dropped the connection",
                                            request=request)
        status, out_headers, payload = exchange.answer()
        return httpx.Response(status, headers=out_headers, content=payload, request=request)

    def _asgi(self, request: httpx.Request, body: bytes) -> httpx.Response:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=self._marked)

        async def call() -> httpx.Response:
            response = await transport.handle_async_request(
                httpx.Request(request.method, request.url, headers=request.headers,
                              content=body))
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers,
                                  content=content, request=request)

        return self._loop.run_until_complete(call())

    async def _marked(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, told that the request never crossed a network."""
        extensions = {**(scope.get("extensions") or {}), IN_PROCESS: {}}
        await self.app({**scope, "extensions": extensions}, receive, send)

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close()
            self._loop = None


class LoopTransport(httpx.BaseTransport):
    """Calls the app on the event loop of a server running in this process (another
    thread), without a socket: the control plane's answers as that server gives them."""

    def __init__(self, app: MailtwinApp, loop: asyncio.AbstractEventLoop,
                 timeout: float = 30.0) -> None:
        self.app = app
        self.loop = loop
        self.timeout = timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        url = request.url
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": request.method, "scheme": url.scheme, "path": url.path,
                 "raw_path": url.raw_path.split(b"?", 1)[0], "query_string": url.query,
                 "root_path": "", "headers": [(k.lower(), v) for k, v in request.headers.raw],
                 "server": (url.host, url.port or 80), "client": ("127.0.0.1", 0),
                 "extensions": {IN_PROCESS: {}}}
        future = asyncio.run_coroutine_threadsafe(_call(self.app, scope, body), self.loop)
        status, headers, content = future.result(self.timeout)
        return httpx.Response(status, headers=headers, content=content, request=request)


async def _call(app: MailtwinApp, scope: Scope, body: bytes
                ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One request through the ASGI app: its status, headers and whole body."""
    status, headers, chunks = 500, [], []
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)  # type: ignore[arg-type]
    return status, headers, b"".join(chunks)


def client(app: MailtwinApp, **options: Any) -> httpx.Client:
    """An httpx.Client served in-process by `app` (base URL http://mailtwin.test)."""
    options.setdefault("base_url", "http://mailtwin.test")
    return httpx.Client(transport=InProcessTransport(app), **options)
