"""`GET /__mailtwin/events`: the sandbox's live events as server-sent events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mailtwin.control.validation import ControlOperation, check, render_error
from mailtwin.errors import ApiError
from mailtwin.runtime import Runtime

Endpoint = Callable[[Request], Awaitable[Response]]
# Followers get a comment line this often, so proxies and browsers keep the stream open.
PING_SECONDS = 15.0


def _sse(kind: str, data: dict[str, Any], ident: Any = None) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False, default=str), event=kind,
                           id=None if ident is None else str(ident))


def events_endpoint(runtime: Runtime, op: ControlOperation) -> Endpoint:
    """The endpoint that streams events to one follower until it leaves (or `seconds` end)."""

    async def endpoint(request: Request) -> Response:
        try:
            call = check(op, {}, request.url.query.encode("latin-1"), b"")
        except ApiError as error:
            return JSONResponse(render_error(error), error.status)
        seconds: float | None = call.query.get("seconds")
        subscription = runtime.events.subscribe()
        journal = runtime.journal
        hello = {"clock": runtime.clock.describe(),
                 "seq": journal.entries[-1].seq if journal.entries else 0}

        async def stream() -> AsyncIterator[ServerSentEvent]:
            loop = asyncio.get_running_loop()
            deadline = None if seconds is None else loop.time() + seconds
            try:
                yield _sse("hello", hello)
                while deadline is None or loop.time() < deadline:
                    wait = PING_SECONDS if deadline is None else deadline - loop.time()
                    for event in await subscription.next_batch(max(wait, 0.0)):
                        seq = event.data.get("seq") if event.kind == "request" else None
                        yield _sse(event.kind, event.data, seq)
            finally:
                subscription.close()

        return EventSourceResponse(stream(), ping=int(PING_SECONDS),
                                   headers={"Cache-Control": "no-store"})

    return endpoint


STREAMS: dict[str, Callable[[Runtime, ControlOperation], Endpoint]] = {
    "events": events_endpoint}
