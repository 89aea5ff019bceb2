"""The ASGI application: provider APIs served by the runtime, the control plane beside them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import State

from mailtwin import accesslog
from mailtwin.clock import Clock
from mailtwin.config import Config
from mailtwin.gcpolicy import GcPolicy
from mailtwin.replay import Replays, key_of
from mailtwin.request import Request
from mailtwin.runtime import Outcome, Runtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTROL_PREFIX = "/__mailtwin"
log = logging.getLogger("mailtwin")


class BodyTooLarge(Exception):
    """The request body is over the configured limit."""


class MailtwinApp:
    """Routes `/__mailtwin/...` to the control plane and everything else to the providers.

    Provider requests are served without a framework in between: the runtime is synchronous
    and in memory, so the shortest path from ASGI to it is also the fastest.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.state = State({"runtime": runtime})
        self.control: ASGIApp | None = None
        # Left as Python has it unless the server installs a policy (see server.serve).
        self.gc = GcPolicy("default")
        self.replays = Replays()
        # Run when the server starts and stops serving (the ASGI lifespan).
        self.on_startup: list[Callable[[], Awaitable[None]]] = []
        self.on_shutdown: list[Callable[[], Awaitable[None]]] = []
        if runtime.config.control:
            from mailtwin.control.app import control_app

            self.control = control_app(runtime)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            self.runtime.webhooks.close(wait=1.0)  # attempts in flight may finish
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if scope["method"] == "GET" and await self._replayed(scope, send):
            return
        if accesslog.enabled():
            await self._logged(scope, receive, send)
            return
        is_control = path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
        if is_control and self.control is not None:
            await self._control(self.control, scope, receive, send)
            return
        await self.serve(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for started in self.on_startup:
                    await started()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for stopping in self.on_shutdown:
                    await stopping()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _control(self, control: ASGIApp, scope: Scope, receive: Receive,
                       send: Send) -> None:
        """The control plane may change anything: answers kept before or during it are stale.
        """
        store = self.runtime.store
        store.generation += 1
        try:
            await control(scope, receive, send)
        finally:
            store.generation += 1

    async def _replayed(self, scope: Scope, send: Send) -> bool:
        """Answer a GET with the answer kept for the same request, if it still holds."""
        started = time.perf_counter()
        runtime = self.runtime
        replay = self.replays.find(key_of(scope), runtime.store.generation)
        if replay is None:
            return False
        headers = runtime.replayed(replay)
        if headers is None:
            return False
        await send({"type": "http.response.start", "status": replay.status,
                    "headers": headers})
        await send({"type": "http.response.body", "body": replay.payload})
        self.gc.after_request()
        if accesslog.enabled():
            accesslog.log_request("GET", replay.path, replay.status, replay.provider,
                                  accesslog.tenant_label(runtime.providers[replay.provider],
                                                         replay.tenant), started)
        return True

    async def _logged(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a request and write its line in the request log."""
        started = time.perf_counter()
        path: str = scope["path"]
        is_control = path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
        if is_control and self.control is not None:
            status = 500

            async def sending(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await self._control(self.control, scope, receive, sending)
            finally:
                accesslog.log_request(scope["method"], path, status, "-", "-", started)
            return
        outcome = await self.serve(scope, receive, send)
        provider = outcome.provider
        accesslog.log_request(scope["method"], path, outcome.reply.status,
                              provider.name if provider is not None else "-",
                              accesslog.tenant_label(provider, outcome.tenant), started)

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> Outcome:
        """ASGI in and out around the runtime's pipeline (Runtime.serve); the outcome has
        status 0 if a fault dropped the request."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request = Request(scope["method"], scope["path"], scope.get("query_string", b""),
                          headers, b"", _base_url(scope, headers))
        try:
            request.body = await _read_body(receive, self.runtime.config.max_body_bytes)
        except BodyTooLarge:
            request.too_large = True
        exchange = self.runtime.serve(request)
        if exchange.delay:
            await asyncio.sleep(exchange.delay)
        if exchange.dropped:
            # A declared length and no body: the client sees the connection cut short.
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", b"1")]})
            return exchange.outcome
        status, out_headers, payload = exchange.answer()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode("latin-1"), v.encode("latin-1"))
                                for k, v in out_headers]})
        await send({"type": "http.response.body", "body": payload})
        self.gc.after_request()
        outcome = exchange.outcome
        if outcome.replayable and request.method == "GET":
            replay = self.runtime.replay_of(request, outcome, out_headers, payload)
            if replay is not None:
                self.replays.keep(key_of(scope), replay)
        return outcome




async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _base_url(scope: Scope, headers: dict[str, str]) -> str:
    scheme = scope.get("scheme", "http")
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scheme}://{host}"


def create_app(config: Config | None = None, clock: Clock | None = None) -> MailtwinApp:
    """Build a sandbox app from a Config (defaults: built-in specs and fixtures, seed 0)."""
    runtime = Runtime(config or Config.from_env(), clock)
    runtime.warm()
    return MailtwinApp(runtime)
