"""Validation messages name JSON values and types (`null`, `true`, `"text"`), keyword by
keyword, where jsonschema's own messages quote Python reprs."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mailtwin.schema_messages import MAX_SHOWN, message_of
from mailtwin.validation import FORMATS

CASES: list[tuple[dict[str, Any] | bool, Any, str]] = [
    ({"type": "object"}, None, 'null is not of type "object"'),
    ({"type": ["string", "null"]}, True, 'true is not of type "string", "null"'),
    ({"enum": ["a", "b"]}, False, 'false is not one of ["a", "b"]'),
    ({"enum": [None, 1]}, "x", '"x" is not one of [null, 1]'),
    ({"const": True}, False, "true was expected"),
    ({"required": ["name"]}, {}, '"name" is a required property'),
    ({"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "b": None, "c": 2},
     'Additional properties are not allowed ("b", "c" were unexpected)'),
    ({"patternProperties": {"^x-": {}}, "additionalProperties": False}, {"y": 1},
     '"y" does not match any of the regexes: "^x-"'),
    ({"minLength": 1}, "", '"" should be non-empty'),
    ({"maxLength": 2}, "abc", '"abc" is too long'),
    ({"minItems": 1}, [], "[] should be non-empty"),
    ({"maxItems": 1}, [None, True], "[null, true] is too long"),
    ({"minProperties": 2}, {"a": None}, '{"a": null} does not have enough properties'),
    ({"maxProperties": 0}, {"a": False}, '{"a": false} is expected to be empty'),
    ({"minimum": 1}, 0, "0 is less than the minimum of 1"),
    ({"maximum": 1.5}, 2, "2 is greater than the maximum of 1.5"),
    ({"exclusiveMinimum": 0}, 0, "0 is less than or equal to the minimum of 0"),
    ({"exclusiveMaximum": 0}, 0, "0 is greater than or equal to the maximum of 0"),
    ({"multipleOf": 2}, 3, "3 is not a multiple of 2"),
    ({"pattern": "^\\d+$"}, "x'y", '"x\'y" does not match "^\\\\d+$"'),
    ({"format": "email"}, "nobody", '"nobody" is not a "email"'),
    ({"uniqueItems": True}, [{"a": None}, {"a": None}],
     '[{"a": null}, {"a": null}] has non-unique elements'),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, None,
     "null is not valid under any of the given schemas"),
    ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 1,
     "1 is valid under more than one of the given schemas"),
    ({"not": {"type": "null"}}, None, 'null should not be valid under {"type": "null"}'),
    ({"dependentRequired": {"a": ["b"]}}, {"a": True}, '"b" is a dependency of "a"'),
    ({"prefixItems": [{}], "items": False}, [1, None], "expected at most 1 items but found 1 "
     "extra: [null]"),
    ({"properties": {"a": {}}, "unevaluatedProperties": False}, {"a": 1, "z": None},
     'Unevaluated properties are not allowed ("z" was unexpected)'),
    ({"contains": {"type": "null"}}, [1], "[1] does not contain the items the schema asks for"),
    ({"properties": {"a": False}}, {"a": True}, "false schema does not allow true"),
]


@pytest.mark.parametrize(("schema", "instance", "expected"), CASES,
                         ids=[f"{i}" for i in range(len(CASES))])
def test_each_keyword_speaks_json(schema: dict[str, Any] | bool, instance: Any,
                                  expected: str) -> None:
    errors = list(Draft202012Validator(schema, format_checker=FORMATS).iter_errors(instance))
    assert [message_of(error) for error in errors] == [expected]


def test_long_request_values_are_cut_and_allowed_values_are_not() -> None:
    schema = {"enum": [f"value-{i}" for i in range(100)]}
    error = next(Draft202012Validator(schema).iter_errors("x" * 1000))
    message = message_of(error)
    shown, _, allowed = message.partition(" is not one of ")
    assert len(shown) == MAX_SHOWN and shown.endswith("...")
    assert allowed.endswith('"value-99"]')
