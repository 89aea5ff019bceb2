"""The fast validity check (jsonschema-rs) never lets through a value jsonschema refuses.

Requests are judged by jsonschema-rs first and explained by jsonschema only when found
invalid, so the one thing that must never happen is jsonschema-rs accepting what jsonschema
would refuse. Values are drawn from every operation's own schemas (mostly near-valid, with
the strings where the two engines could differ: formats, patterns, Unicode) and checked by both.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailtwin import MailtwinApp
from mailtwin.validation import Schemas, Validator

TRICKY_TEXT = ["", "x", "2026-11-23", "2026-02-30", "2026-11-23T10:00:00Z", "2026-11-23 10:00",
               "20261123T100000Z", "a@b.co", "a@b", "@b.co", "a b@c.de", "https://x.test/p",
               "x:", "not a uri", "é٣", "١٢٣", "123", "123\n", "-5", "id,-name", "+name",
               "abc_DEF-1", "a" * 300, "\u00a0", "ÅÄÖ", "true", "null", "news-desk"]
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                         st.floats(allow_nan=False, allow_infinity=False),
                         st.sampled_from([10**30, -(2**63), 2**64, 1.0, 0.5]))
ANY_JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)


def resolve(schema: Any, document: dict[str, Any], base: str) -> Any:
    """A schema with its top-level `$ref` (into the spec document) followed."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 32:
        pointer = str(schema["$ref"]).removeprefix(base).removeprefix("#")
        node: Any = document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema, seen = node, seen + 1
    return schema


def near(schema: Any, document: dict[str, Any], base: str, depth: int = 0
         ) -> st.SearchStrategy[Any]:
    """Values shaped by a schema: usually valid, sometimes a little off, now and then junk."""
    schema = resolve(schema, document, base)
    if not isinstance(schema, dict) or depth > 6:
        return ANY_JSON
    options: list[st.SearchStrategy[Any]] = [ANY_JSON]
    for key in ("allOf", "anyOf", "oneOf"):
        options += [near(branch, document, base, depth + 1) for branch in schema.get(key, [])]
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    if "const" in schema:
        options.append(st.just(schema["const"]))
    kinds = schema.get("type", [])
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        options.append(_of_type(kind, schema, document, base, depth))
    if "properties" in schema and not kinds:
        options.append(_of_type("object", schema, document, base, depth))
    return st.one_of(options)


def _of_type(kind: str, schema: dict[str, Any], document: dict[str, Any], base: str,
             depth: int) -> st.SearchStrategy[Any]:
    if kind == "object":
        props = schema.get("properties", {})
        required = [name for name in schema.get("required", []) if name in props]
        optional = {name: near(sub, document, base, depth + 1) for name, sub in props.items()
                    if name not in required}
        return st.fixed_dictionaries(
            {name: near(props[name], document, base, depth + 1) for name in required},
            optional=optional)
    if kind == "array":
        return st.lists(near(schema.get("items", {}), document, base, depth + 1), max_size=3)
    if kind == "string":
        strings = [st.sampled_from(TRICKY_TEXT), st.text(max_size=12)]
        if "pattern" in schema:
            strings.append(st.from_regex(schema["pattern"]).filter(lambda t: len(t) < 200))
        return st.one_of(strings)
    if kind == "integer":
        return st.one_of(st.integers(), st.sampled_from([0, 1, -1, 10**30, 2**63, 1.0]))
    if kind == "number":
        return st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False))
    if kind == "boolean":
        return st.booleans()
    return st.none()


def validators(app: MailtwinApp, provider: str) -> list[tuple[str, Validator]]:
    found = []
    for op in app.runtime.operations:
        if op.provider.name != provider:
            continue
        for place, validator in (("body", op.body.validator),
                                 ("query", op.query_params.validator),
                                 ("path", op.path_params.validator)):
            if not validator.trivial:
                found.append((f"{op.spec.operation_id} {place}", validator))
    return found


@pytest.mark.parametrize("provider", ["emma", "outreach", "emailicious", "especial"])
def test_fast_check_accepts_nothing_jsonschema_refuses(app: MailtwinApp, provider: str) -> None:
    runtime = app.runtime
    document = runtime.providers[provider].spec.document
    base = f"urn:mailtwin:spec:{provider}"
    checked = validators(app, provider)
    assert checked

    @settings(max_examples=400, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(st.data())
    def agree(data: st.DataObject) -> None:
        where, validator = data.draw(st.sampled_from(checked), label="validator")
        value = data.draw(near(validator.schema, document, base), label="value")
        if validator.quick_check(value):
            assert validator.explain(value, ("body",)) == [], where

    agree()


def test_a_valid_body_is_judged_by_the_fast_check_alone(app: MailtwinApp) -> None:
    op = next(op for op in app.runtime.operations
              if op.provider.name == "especial" and op.spec.method == "POST"
              and op.spec.path == "/campaigns")
    body = {"name": "Spring sale", "audience": {"list_id": 1}, "sender": {"id": "news-desk"},
            "content": {"subject": "Hello", "html": "<p>Hello</p>"}}
    assert op.body.validator.quick_check(body)
    assert not op.body.validator.quick_check({**body, "name": 5})


def test_where_the_engines_differ_jsonschema_decides() -> None:
    word = Validator({"type": "string", "pattern": "^\\w+$"}, Schemas("probe", {}))
    assert not word.quick_check("é٣")  # ASCII-only `\w` in jsonschema-rs
    assert word.problems("é٣", ("body",)) == []
    assert [p.kind for p in word.problems("a b", ("body",))] == ["string_pattern_mismatch"]
