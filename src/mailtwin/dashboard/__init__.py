"""The dashboard at /__mailtwin/ui/: pages to watch and drive a sandbox, served by mailtwin.

Pages read through the control plane's operations; their buttons call its JSON endpoints.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mailtwin.control.validation import ControlState
from mailtwin.dashboard.pages import UI, Pages
from mailtwin.dashboard.reader import Reader
from mailtwin.runtime import Runtime


async def _to_index(request: object) -> Response:
    return RedirectResponse(f"{UI}/", 308)


def dashboard_routes(runtime: Runtime, state: ControlState) -> list[Route | Mount]:
    """The dashboard's routes, to add to the control plane's app."""
    pages = Pages(Reader(runtime, state))
    static = StaticFiles(packages=[("mailtwin.dashboard", "static")])
    return [
        Route(UI, _to_index),
        Mount(UI, routes=[
            Route("/", pages.overview),
            Route("/records", pages.records),
            Route("/records/table", pages.table),
            Route("/record", pages.record),
            Route("/outbox", pages.outbox),
            Route("/outbox/{id}", pages.message),
            Route("/webhooks", pages.webhooks),
            Route("/journal", pages.journal),
            Route("/journal/{seq:int}", pages.entry),
            Route("/controls", pages.controls),
            Mount("/static", static, name="static"),
        ]),
    ]
