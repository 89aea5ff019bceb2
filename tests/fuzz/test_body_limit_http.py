"""Bodies over the limit get a 413 in the provider's error shape over real HTTP too."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin.server import ServerThread
from tests.fuzz.support import ERROR_SHAPES, Route, build_app, routes, strict_json
from tests.fuzz.test_malformed_requests import TEN_MB

APP = build_app()
# One route per provider, a body-taking one where there is one.
FIRST: dict[str, Route] = {}
for candidate in sorted(routes(APP), key=lambda r: r.method not in ("POST", "PUT", "PATCH")):
    FIRST.setdefault(candidate.op.provider.name, candidate)


@pytest.fixture(scope="module")
def live() -> Iterator[ServerThread]:
    thread = ServerThread(APP).start()
    try:
        yield thread
    finally:
        thread.stop()


@pytest.mark.parametrize("route", sorted(FIRST.values(), key=repr), ids=repr)
def test_ten_megabytes_over_http_is_413(live: ServerThread, route: Route) -> None:
    before = APP.runtime.store.snapshot()
    headers = {**route.headers, "content-type": "application/json"}
    response = httpx.request(route.method, live.url + route.path, content=TEN_MB,
                             headers=headers, timeout=30)
    assert response.status_code == 413, response.text[:300]
    body = strict_json(response.content)
    assert ERROR_SHAPES[route.op.provider.error_style](body), body
    assert APP.runtime.store.snapshot() == before
