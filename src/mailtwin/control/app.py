"""The control plane under /__mailtwin/: a Starlette app routed from its own OpenAPI document."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mailtwin.control.guard import ControlGuard, in_process
from mailtwin.control.operations import OPERATIONS
from mailtwin.control.stream import STREAMS
from mailtwin.control.validation import (
    ControlOperation,
    ControlState,
    check,
    operations,
    render_error,
)
from mailtwin.control.webhooks import WAITS
from mailtwin.dashboard import dashboard_routes
from mailtwin.errors import ApiError, Problem
from mailtwin.runtime import Runtime

log = logging.getLogger("mailtwin")
Endpoint = Callable[[Request], Awaitable[Response]]


def _endpoint(runtime: Runtime, state: ControlState, op: ControlOperation) -> Endpoint:
    handler = OPERATIONS[op.operation_id]

    async def endpoint(request: Request) -> Response:
        limit = runtime.config.control_max_body_bytes
        raw = await _body_within(request, limit)
        if raw is None:
            error = ApiError(413, [Problem(("body",), f"the request body is over {limit} bytes",
                                           "too_large")])
            return JSONResponse(render_error(error), 413)
        try:
            trusted = runtime.config.control_token is not None or in_process(request.scope)
            call = check(op, dict(request.path_params), request.url.query.encode("latin-1"),
                         raw, trusted)
            body = handler(runtime, state, call)
        except ApiError as error:
            return JSONResponse(render_error(error), error.status)
        except Exception:  # a bug must still answer in the control plane's shape
            log.exception("unexpected error serving %s %s", request.method, request.url.path)
            failure = ApiError(500, [Problem((), "internal sandbox error", "server_error")])
            return JSONResponse(render_error(failure), 500)
        if op.method != "GET" and runtime.events.subscriptions:
            runtime.events.publish("control", {"operation": op.operation_id,
                                               "clock": runtime.clock.describe()})
        return body if isinstance(body, Response) else JSONResponse(body, op.status)

    return endpoint


async def _body_within(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it grows past the limit (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    stream = request.stream()
    try:
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    finally:
        await stream.aclose()
    return b"".join(chunks)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown control paths and methods, in the control plane's error shape."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    message = (f"method {request.method} is not allowed on {request.url.path} "
               f"(allowed: {headers.get('Allow', '')})" if status == 405
               else f"no control endpoint at {request.url.path}")
    kind = "method_not_allowed" if status == 405 else "not_found"
    error = ApiError(status, [Problem(("path",), message, kind)])
    return JSONResponse(render_error(error), status, headers=headers)


def control_app(runtime: Runtime) -> ControlGuard:
    """A Starlette app bound to one runtime, one route per operation of the control plane's
    OpenAPI document (openapi.yaml), behind the guard of the control token, Host, Origin and
    Content-Type rules."""
    state = ControlState(start_seed=runtime.config.seed)
    by_path: dict[str, list[ControlOperation]] = {}
    for op in operations():
        by_path.setdefault(op.path, []).append(op)
    routes = []
    for path, ops in by_path.items():
        for op in ops:
            special = STREAMS.get(op.operation_id) or WAITS.get(op.operation_id)
            endpoint = special(runtime, op) if special else _endpoint(runtime, state, op)
            routes.append(Route(path, endpoint, methods=[op.method]))
    app = Starlette(routes=[*routes, *dashboard_routes(runtime, state)],
                    exception_handlers={HTTPException: _http_error})
    app.state.runtime = runtime
    return ControlGuard(app, runtime.config)
