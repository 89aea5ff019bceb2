"""What the fuzz tests share: an app over every spec, concrete routes, credentials, shapes."""

from __future__ import annotations

import base64
import json
import pickle
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from mailtwin import Clock, Config, MailtwinApp, create_app
from mailtwin.operation import Operation

ROOT = Path(__file__).resolve().parents[2]
TENANT = "fuzz"
START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

# Credentials by auth scheme, each naming one tenant (Basic: credential_tenant(TENANT, "secret")).
CREDENTIALS: dict[str, dict[str, str]] = {
    "basic": {"authorization": "Basic " + base64.b64encode(f"{TENANT}:secret".encode()).decode()},
    "bearer": {"authorization": f"Bearer {TENANT}"},
    "oauth2": {"authorization": f"Bearer {TENANT}"},
    "none": {},
}


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _error_key(body: Any) -> bool:
    return isinstance(body, dict) and _is_text(body.get("error"))


def _jsonapi(body: Any) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return bool(errors) and isinstance(errors, list) and all(
        isinstance(e, dict) and _is_text(e.get("detail")) for e in errors)


def _fastapi(body: Any) -> bool:
    detail = body.get("detail") if isinstance(body, dict) else None
    return _is_text(detail) or (isinstance(detail, list) and bool(detail) and all(
        isinstance(d, dict) and _is_text(d.get("msg")) for d in detail))


def _drf(body: Any) -> bool:
    return isinstance(body, dict) and bool(body) and (
        _is_text(body.get("detail")) or all(isinstance(v, list | dict) for v in body.values()))


# What an error body looks like in each error style (conventions/errors.py).
ERROR_SHAPES: dict[str, Callable[[Any], bool]] = {
    "error-key": _error_key, "jsonapi": _jsonapi, "fastapi": _fastapi, "drf": _drf,
}


@cache
def build_app() -> MailtwinApp:
    """The sandbox over every spec and fixture, on a frozen clock (one per test run)."""
    config = Config(seed=0)
    clock = Clock(frozen_at=START)
    clock.freeze()
    return create_app(config, clock)


class Route:
    """One operation with a concrete path that names existing records where it can."""

    def __init__(self, op: Operation, path: str, params: dict[str, str]) -> None:
        self.op = op
        self.path = path
        self.params = params

    @property
    def method(self) -> str:
        return self.op.spec.method

    @property
    def headers(self) -> dict[str, str]:
        return dict(CREDENTIALS[self.op.provider.spec.conventions["auth"]["scheme"]])

    def __repr__(self) -> str:
        return f"{self.method} {self.op.full_path}"


def _known_values(app: MailtwinApp, op: Operation) -> dict[str, str]:
    """Path parameter values taken from the fixtures: ids and the scopes they live in."""
    provider = op.provider
    tenant = app.runtime.store.tenant(provider.name, TENANT)
    values: dict[str, str] = {}
    for resource in provider.resources.values():
        records = tenant.collections[resource.name].records
        if not records:
            continue
        record = next(iter(records.values()))
        values.setdefault(resource.param, str(record[resource.id_field]))
        for param, field in resource.scope.items():
            if record.get(field) is not None:
                values.setdefault(param, str(record[field]))
    if op.resource is not None:
        records = tenant.collections[op.resource.name].records
        if records:
            record = next(iter(records.values()))
            values[op.resource.param] = str(record[op.resource.id_field])
            for param, field in op.resource.scope.items():
                if record.get(field) is not None:
                    values[param] = str(record[field])
    return values


def routes(app: MailtwinApp) -> list[Route]:
    """Every operation of every provider, with its path filled in."""
    found = []
    for op in app.runtime.operations:
        known = _known_values(app, op)
        params = {name: known.get(name, "1") for name in op.path_params.specs}
        path = op.full_path
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        found.append(Route(op, path, params))
    _warm(app, found)
    return found


def _warm(app: MailtwinApp, found: list[Route]) -> None:
    """One accepted request per provider, so state made lazily on first use (tenants, token
    tables) exists before any test compares states."""
    from mailtwin.inprocess import client

    with client(app) as http:
        for provider in app.runtime.providers:
            # Operations without credentials act as the shared "default" tenant.
            app.runtime.store.tenant(provider, "default")
            for route in found:
                if (route.op.provider.name == provider and route.method == "GET"
                        and http.get(route.path, headers=route.headers).status_code < 300):
                    break
    app.runtime.tick()


def fill(route: Route, **overrides: str) -> str:
    """The route's path with some parameters replaced (already URL-safe text)."""
    path = route.op.full_path
    for name, value in {**route.params, **overrides}.items():
        path = path.replace("{" + name + "}", value)
    return path


def strict_json(payload: bytes) -> Any:
    """Parse an answer as standard JSON: NaN and Infinity are not JSON."""
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(payload, parse_constant=refuse)


# Request metering (rate-limit windows) counts every answered request, refused ones too, as
# the real providers do; it is bookkeeping about requests, not state the API exposes.
METERING = frozenset({"rate_limit"})


def differences(before: bytes, after: bytes) -> list[str]:
    """Where two store snapshots differ: tenants by collection, shared tables, timers."""
    old_tenants, old_shared, old_timers, old_seq = pickle.loads(before)
    new_tenants, new_shared, new_timers, new_seq = pickle.loads(after)
    found = [f"tenant {key} appeared" for key in new_tenants.keys() - old_tenants.keys()]
    for key in old_tenants.keys() & new_tenants.keys():
        old, new = old_tenants[key], new_tenants[key]
        for name in old.collections.keys() | new.collections.keys():
            if _records(old, name) != _records(new, name):
                found.append(f"tenant {key}: collection {name!r} changed")
        for part in ("counters", "extra", "versions"):
            if getattr(old, part) != getattr(new, part):
                found.append(f"tenant {key}: {part} changed")
    for provider in old_shared.keys() | new_shared.keys():
        old_tables = old_shared.get(provider, {})
        new_tables = new_shared.get(provider, {})
        for table in (old_tables.keys() | new_tables.keys()) - METERING:
            if old_tables.get(table) != new_tables.get(table):
                found.append(f"shared state {provider}.{table} changed")
    if (old_timers, old_seq) != (new_timers, new_seq):
        found.append("timers changed")
    return found


def _records(tenant: Any, name: str) -> Any:
    collection = tenant.collections.get(name)
    return None if collection is None else collection.records


def check_refusal(route: Route, response: httpx.Response, before: bytes, after: bytes) -> None:
    """A 4xx in the provider's error shape that changed nothing."""
    style = route.op.provider.error_style
    assert 400 <= response.status_code < 500, (route, response.status_code, response.text[:300])
    body = strict_json(response.content)
    shaped = ERROR_SHAPES[style](body) or (route.op.body.form and _oauth_error(body))
    assert shaped, (route, response.status_code, body)
    check_json_words(route, body)
    if after != before:
        changed = differences(before, after)
        assert not changed, f"{route} {response.status_code}: a refused request changed {changed}"


# Python's spelling of JSON values, outside the JSON strings a message quotes.
PYTHON_LITERALS = re.compile(r"\b(?:None|True|False)\b|\{'|\['")
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def error_texts(body: Any) -> list[str]:
    """The messages of an error body in any style: `error`, `detail`, `msg`, `title` and the
    message lists of DRF field errors (not the field names, which the client chose)."""
    found: list[str] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "loc":
                    continue
                if isinstance(value, str) and key in ("error", "detail", "msg", "title",
                                                      "error_description"):
                    found.append(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            found.extend(item for item in node if isinstance(item, str))
            stack.extend(item for item in node if isinstance(item, dict | list))
    return found


def python_literals(text: str) -> list[str]:
    """Python literals (`None`, `True`, `False`, `{'`, `['`) in a message, outside JSON strings."""
    return PYTHON_LITERALS.findall(JSON_STRING.sub('""', text))


def check_json_words(route: Route, body: Any) -> None:
    """An error body's messages name JSON values, not Python's."""
    spoken = [(text, python_literals(text)) for text in error_texts(body)]
    assert not [found for _, found in spoken if found], (route, spoken)


def _oauth_error(body: Any) -> bool:
    """OAuth 2 token endpoints (form bodies) answer RFC 6749 errors in every provider."""
    return isinstance(body, dict) and _is_text(body.get("error"))


def check_answer(route: Route, response: httpx.Response, before: bytes, after: bytes) -> None:
    """A success in standard JSON, or a refusal as `check_refusal` wants it."""
    if response.status_code < 400:
        assert response.status_code < 300, (route, response.status_code)
        if response.content and "json" in response.headers.get("content-type", ""):
            strict_json(response.content)
        return
    check_refusal(route, response, before, after)
