"""Bare Starlette app replaying, per target, the response mailtwin gave for it.

Run by bench/run.py as `uvicorn baseline:app --app-dir bench`. Configuration comes from the
environment: MAILTWIN_BENCH_CAPTURED (required, JSON written by the runner),
MAILTWIN_BENCH_TARGETS and MAILTWIN_BENCH_SPECS (default bench/targets.yaml and specs/).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchlib import (
    DEFAULT_SPECS,
    DEFAULT_TARGETS,
    ENV_CAPTURED,
    ENV_SPECS,
    ENV_TARGETS,
    Target,
    compile_validator,
    load_targets,
)
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]


class Canned:
    """A captured response plus the optional request-body validator in front of it."""

    def __init__(self, captured: dict[str, Any], validator: Draft202012Validator | None) -> None:
        """Decode the captured response once so each request only copies bytes."""
        self.status = int(captured["status"])
        content_type = captured.get("content_type")
        self.headers = {"content-type": str(content_type)} if content_type else {}
        # The same headers mailtwin sent (rate-limit counters included), as fixed values.
        self.headers.update({name: value for name, value in captured.get("headers", [])})
        self.body = base64.b64decode(captured["body_b64"])
        self.validator = validator

    async def respond(self, request: Request) -> Response:
        """Validate the body when a schema is set, then answer the captured bytes."""
        if self.validator is not None:
            try:
                payload = json.loads(await request.body())
            except ValueError:
                return Response(b'{"error":"invalid JSON"}', 400, media_type="application/json")
            if not self.validator.is_valid(payload):
                return Response(b'{"error":"invalid body"}', 400, media_type="application/json")
        return Response(self.body, self.status, headers=self.headers)


def _dispatch(by_query: dict[str, Canned]) -> Endpoint:
    """Return an endpoint picking the canned answer by exact query string."""
    first = next(iter(by_query.values()))

    async def endpoint(request: Request) -> Response:
        canned = by_query.get(request.url.query, first) if len(by_query) > 1 else first
        return await canned.respond(request)

    return endpoint


def build_routes(targets: list[Target], captured: dict[str, Any], specs_dir: Path) -> list[Route]:
    """Build one route per (method, path), each answering its targets' captured responses."""
    groups: dict[tuple[str, str], dict[str, Canned]] = {}
    for target in targets:
        if target.name not in captured:
            continue
        validator = None
        if target.validate_schema is not None:
            validator = compile_validator(specs_dir, target.provider, target.validate_schema)
        group = groups.setdefault((target.method, target.route_path), {})
        group.setdefault(target.query, Canned(captured[target.name], validator))
    return [
        Route(path, _dispatch(by_query), methods=[method])
        for (method, path), by_query in groups.items()
    ]


def create_app() -> Starlette:
    """Create the baseline app from the environment the runner sets."""
    captured_path = os.environ.get(ENV_CAPTURED)
    if not captured_path:
        raise RuntimeError(f"{ENV_CAPTURED} must name the captured-responses JSON file")
    captured = json.loads(Path(captured_path).read_text(encoding="utf-8"))
    targets = load_targets(Path(os.environ.get(ENV_TARGETS) or DEFAULT_TARGETS))
    specs_dir = Path(os.environ.get(ENV_SPECS) or DEFAULT_SPECS)
    return Starlette(routes=build_routes(targets, captured, specs_dir))


app = create_app()
