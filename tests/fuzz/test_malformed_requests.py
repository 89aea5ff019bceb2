"""Malformed input at every route of every provider: a 4xx in the provider's error shape
that changes nothing (or a success, where the input is in fact acceptable)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailtwin import MailtwinApp
from mailtwin.sources import builtin_data
from tests.fuzz.support import Route, build_app, check_answer, check_refusal, fill, routes

pytestmark = pytest.mark.slow

ROUTES = routes(build_app())
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HUGE = st.sampled_from([10**400, -(10**400), 2**63, 2**64, -(2**63) - 1, 1.7976931348623157e308])
SCALARS = st.none() | st.booleans() | st.integers() | HUGE | st.text(max_size=40) | st.floats(
    allow_nan=False, allow_infinity=False)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=10), inner, max_size=4), max_leaves=12)

DEEP_ARRAYS = b"[" * 1000 + b"]" * 1000
DEEP_OBJECTS = b'{"a":' * 1000 + b"1" + b"}" * 1000
MALFORMED = {
    "truncated": b'{"name": ',
    "not-json": b"{name: 'x'}",
    "trailing-garbage": b'{"a": 1} trailing',
    "invalid-utf8": b'{"name": "\xff\xfe\xfa"}',
    "invalid-utf8-bare": b"\xc3\x28\xa0\xa1",
    "deep-arrays": DEEP_ARRAYS,
    "deep-objects": DEEP_OBJECTS,
    "nan": b'{"a": NaN}',
    "lone-surrogate": b'{"name": "\\ud800", "\\udfff": 1}',
}
TEN_MB = b'{"name": "' + b"x" * (10 * 1024 * 1024) + b'"}'
BAD_IDS = ["9" * 400, "-1", "1e999", "%F0%9F%98%80", "%FF%FE"]
# Bodies are read the same way whatever the method; methods without one get fewer kinds.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
FEW_KINDS = ("truncated", "deep-arrays")


def _send(app: MailtwinApp, http: httpx.Client, route: Route, path: str, body: bytes | None,
          query: str = "", content_type: str = "application/json") -> tuple[httpx.Response,
                                                                            bytes, bytes]:
    """Send one request; return the answer and the state before and after it (restored)."""
    store = app.runtime.store
    # Timed moves the clock has already reached fire first, so only the request can differ.
    app.runtime.tick()
    before = store.snapshot()
    headers = route.headers
    if body is not None:
        headers["content-type"] = content_type
    url = path + (f"?{query}" if query else "")
    try:
        response = http.request(route.method, url, content=body, headers=headers)
    finally:
        after = store.snapshot()
        if after != before:
            store.restore(before)
    return response, before, after


def _body_fields(route: Route) -> list[str]:
    """The top-level property names of the operation's JSON request body, if it declares one."""
    body = route.op.spec.request_body or {}
    document = route.op.provider.spec.document
    for media in (body.get("content") or {}).values():
        schema = media.get("schema", {}) if isinstance(media, dict) else {}
        while isinstance(schema, dict) and "$ref" in schema:
            node: Any = document
            for part in str(schema["$ref"])[2:].split("/"):
                node = node.get(part.replace("~1", "/").replace("~0", "~"), {})
            schema = node
        if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
            return sorted(schema["properties"])
    return []


WITH_FIELDS = [route for route in ROUTES if _body_fields(route)]


@pytest.mark.parametrize("route", ROUTES, ids=repr)
def test_malformed_bodies_are_refused(fuzz_app: MailtwinApp, http: httpx.Client,
                                      route: Route) -> None:
    kinds = sorted(MALFORMED) if route.method in BODY_METHODS else FEW_KINDS
    for kind in kinds:
        response, before, after = _send(fuzz_app, http, route, route.path, MALFORMED[kind])
        if route.op.body.form:
            check_answer(route, response, before, after)
        else:
            check_refusal(route, response, before, after)


@pytest.mark.parametrize("route", ROUTES, ids=repr)
def test_bodies_over_the_limit_are_413(fuzz_app: MailtwinApp, http: httpx.Client,
                                       route: Route) -> None:
    response, before, after = _send(fuzz_app, http, route, route.path, TEN_MB)
    assert response.status_code == 413, (route, response.text[:300])
    check_refusal(route, response, before, after)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.params], ids=repr)
def test_overflowing_or_odd_path_ids(fuzz_app: MailtwinApp, http: httpx.Client,
                                     route: Route) -> None:
    for name in route.params:
        for bad in BAD_IDS:
            path = fill(route, **{name: bad})
            response, before, after = _send(fuzz_app, http, route, path, None)
            if "integer" in route.op.path_params.types.get(name, []):
                check_refusal(route, response, before, after)
            else:
                check_answer(route, response, before, after)


@SETTINGS
@given(data=st.data())
def test_wrong_types_in_known_fields(fuzz_app: MailtwinApp, http: httpx.Client,
                                     data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(WITH_FIELDS), label="route")
    fields = _body_fields(route)
    body = data.draw(st.dictionaries(st.sampled_from(fields), JSON, min_size=1), label="body")
    response, before, after = _send(fuzz_app, http, route, route.path, json.dumps(body).encode())
    check_answer(route, response, before, after)


@SETTINGS
@given(data=st.data())
def test_any_json_body(fuzz_app: MailtwinApp, http: httpx.Client, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(ROUTES), label="route")
    body = data.draw(JSON, label="body")
    response, before, after = _send(fuzz_app, http, route, route.path, json.dumps(body).encode())
    check_answer(route, response, before, after)


@SETTINGS
@given(data=st.data())
def test_huge_numbers_as_text(fuzz_app: MailtwinApp, http: httpx.Client,
                              data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(WITH_FIELDS), label="route")
    field = data.draw(st.sampled_from(_body_fields(route)), label="field")
    number = data.draw(st.sampled_from(["1e400", "-1e400", "9" * 5000, "1" + "0" * 400 + ".5",
                                        "-0", "1E-400"]), label="number")
    body = ('{"' + field + '": ' + number + "}").encode()
    response, before, after = _send(fuzz_app, http, route, route.path, body)
    check_answer(route, response, before, after)


FORM_ROUTES = [route for route in ROUTES if route.op.body.form]
BOUNDARY = b"fuzzb0undary"
MULTIPART_PIECES = st.sampled_from([
    b"--" + BOUNDARY + b"\r\n", b"--" + BOUNDARY + b"--\r\n", b"\r\n", b"\r\n\r\n",
    b'Content-Disposition: form-data; name="username"\r\n',
    b'Content-Disposition: form-data; name="password"\r\n', b"Content-Disposition: form-data",
    b"Content-Type: text/plain\r\n", b"me@example.com", b"\xff\xfe", b"--", b";", b"="])


@SETTINGS
@given(data=st.data())
def test_malformed_multipart_forms(fuzz_app: MailtwinApp, http: httpx.Client,
                                   data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(FORM_ROUTES), label="route")
    pieces = data.draw(st.lists(MULTIPART_PIECES | st.binary(max_size=12), max_size=12),
                       label="pieces")
    content_type = data.draw(st.sampled_from([
        f"multipart/form-data; boundary={BOUNDARY.decode()}", "multipart/form-data",
        "multipart/form-data; boundary=", "multipart/form-data; boundary=other"]),
        label="content_type")
    response, before, after = _send(fuzz_app, http, route, route.path, b"".join(pieces),
                                    content_type=content_type)
    check_answer(route, response, before, after)


QUERY_NAMES = st.sampled_from(["start", "end", "count", "page", "per_page", "page[size]",
                               "filter", "sort", "id", "zzz_unknown", "a[b][c]", ""]) | st.text(
    max_size=8)
QUERY_VALUES = st.sampled_from(["", "-1", "9" * 400, "1e400", "true", "True", "null", "%FF%FE",
                                "%00", "a,b,,c", "[]", "{}", "..", "inf"]) | st.text(max_size=12)


@SETTINGS
@given(data=st.data())
def test_odd_and_unknown_query_parameters(fuzz_app: MailtwinApp, http: httpx.Client,
                                          data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(ROUTES), label="route")
    known = sorted(route.op.query_params.specs)
    names = st.sampled_from(known) | QUERY_NAMES if known else QUERY_NAMES
    pairs = data.draw(st.lists(st.tuples(names, QUERY_VALUES), max_size=5), label="query")
    query = "&".join(f"{_quote(name)}={value if ESCAPED.fullmatch(value) else _quote(value)}"
                     for name, value in pairs)
    response, before, after = _send(fuzz_app, http, route, route.path, None, query=query)
    check_answer(route, response, before, after)


# Values already percent-encoded on purpose (invalid UTF-8, NUL) are sent as they are.
ESCAPED = re.compile(r"(%[0-9A-F]{2})+")


def _quote(text: str) -> str:
    return quote(text, safe="")


def test_every_route_is_covered() -> None:
    covered = {(r.op.provider.name, r.method, r.op.spec.path) for r in ROUTES}
    specs = {path.stem for path in (builtin_data() / "specs").glob("*.yaml")}
    assert {provider for provider, _, _ in covered} == specs


@pytest.mark.parametrize(("payload", "message"), [
    (b'{"subject": 1e400}', "the number 1e400 is out of range"),
    (b'{"subject": NaN}', "NaN is not a JSON value"),
    (b'{"subject": -Infinity}', "-Infinity is not a JSON value"),
    (b'{"subject": "\\ud800"}', "lone UTF-16 surrogate"),
    (b"[" * 1000 + b"]" * 1000, "malformed JSON"),
])
def test_numbers_and_text_json_cannot_carry_are_refused_by_name(
        http: httpx.Client, payload: bytes, message: str) -> None:
    response = http.post("/emma/100/mailings/validate", content=payload,
                         auth=("public", "private"))
    assert response.status_code == 400
    assert message in response.json()["error"]
