"""`POST /__mailtwin/webhooks/flush`: wait for the webhook workers without holding up the
event loop (provider requests go on being served meanwhile)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mailtwin.control.validation import ControlOperation, check, render_error
from mailtwin.errors import ApiError
from mailtwin.runtime import Runtime

Endpoint = Callable[[Request], Awaitable[Response]]
# Seconds a flush waits at most unless the request says otherwise.
FLUSH_SECONDS = 30.0


def flush_endpoint(runtime: Runtime, op: ControlOperation) -> Endpoint:
    """The endpoint that waits until every delivery due now has been attempted."""

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            call = check(op, {}, request.url.query.encode("latin-1"), raw)
        except ApiError as error:
            return JSONResponse(render_error(error), error.status)
        timeout = float((call.body or {}).get("timeout", FLUSH_SECONDS))
        result = await asyncio.to_thread(runtime.webhooks.flush, timeout)
        return JSONResponse(result)

    return endpoint


WAITS: dict[str, Callable[[Runtime, ControlOperation], Endpoint]] = {
    "flush_webhooks": flush_endpoint}
