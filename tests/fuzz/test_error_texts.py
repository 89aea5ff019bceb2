"""Refusals speak JSON: every route, given JSON's `null`, `true`, `false`, objects and arrays
where other values belong, answers messages without Python's `None`, `True`, `False`, `{'`
or `['`. (Every other fuzz test checks its refusals the same way, in `check_refusal`.)"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp
from tests.fuzz.support import Route, error_texts, python_literals, routes
from tests.fuzz.test_malformed_requests import BODY_METHODS, _body_fields

WRONG_VALUES: list[Any] = [None, True, False, {"a": None}, [True, None], [{"k": False}]]
WRONG_QUERY = ["null", "true", "false", "1.5", "-1", "{}", "[]"]
MAX_FIELDS = 8

pytestmark = pytest.mark.slow


def _texts(response: httpx.Response) -> list[str]:
    if response.status_code < 400 or not response.content:
        return []
    return error_texts(response.json())


def _requests(route: Route) -> list[tuple[dict[str, Any], bytes | None]]:
    """(query, body) pairs with JSON's own values where the operation wants others."""
    sent: list[tuple[dict[str, Any], bytes | None]] = []
    if route.method in BODY_METHODS:
        sent.extend(({}, json.dumps(value).encode()) for value in WRONG_VALUES)
        for field in _body_fields(route)[:MAX_FIELDS]:
            sent.extend(({}, json.dumps({field: value}).encode()) for value in WRONG_VALUES)
    for name in sorted(route.op.query_params.specs)[:MAX_FIELDS]:
        sent.extend(({name: value}, None) for value in WRONG_QUERY)
    return sent


def test_refusals_name_json_values_on_every_route(fuzz_app: MailtwinApp,
                                                  http: httpx.Client) -> None:
    store = fuzz_app.runtime.store
    before = store.snapshot()
    spoken: dict[str, list[str]] = {}
    count = 0
    try:
        for route in routes(fuzz_app):
            for query, body in _requests(route):
                headers = route.headers
                if body is not None:
                    headers["content-type"] = "application/json"
                response = http.request(route.method, route.path, params=query, content=body,
                                        headers=headers)
                assert response.status_code < 500, (route, query, body, response.text)
                for text in _texts(response):
                    count += 1
                    if python_literals(text):
                        spoken.setdefault(repr(route), []).append(text)
    finally:
        store.restore(before)
    assert count > 1000
    assert not spoken, json.dumps(spoken, indent=1)
