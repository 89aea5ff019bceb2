"""The control plane under /__mailtwin/: health, reset, clock and journal (JSON over HTTP)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mailtwin.runtime import Runtime


def control_app(runtime: Runtime) -> Starlette:
    """A Starlette app bound to one runtime."""

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "providers": sorted(runtime.providers)})

    routes = [Route("/__mailtwin/health", health)]
    app = Starlette(routes=routes)
    app.state.runtime = runtime
    return app


def jsonable(value: Any) -> Any:
    return value
