"""Validation messages in JSON terms (`null`, `true`, `"text"`), written from a jsonschema
error's keyword, schema value and instance: jsonschema's own messages quote Python reprs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from jsonschema import ValidationError

# Longer request values are cut: a message names the value, it does not echo a whole
# document. What the schema allows is shown whole.
MAX_SHOWN = 200

Message = Callable[[ValidationError], str]


def shown(value: Any) -> str:
    """A request value as JSON text, cut at MAX_SHOWN characters."""
    return _cut(allowed(value))


def allowed(value: Any) -> str:
    """A schema value as JSON text (YAML dates and other non-JSON values as text)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def shown_list(values: Any) -> str:
    """`"a", "b"` for the names a message lists."""
    items = values if isinstance(values, list | tuple) else [values]
    return _cut(", ".join(allowed(v) for v in items))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 3] + "..."


def message_of(error: ValidationError) -> str:
    """The error's message in JSON terms."""
    keyword = error.validator
    if keyword is None:  # the schema `false`
        return f"false schema does not allow {shown(error.instance)}"
    writer = _MESSAGES.get(str(keyword))
    if writer is None:
        return f"{shown(error.instance)} is not valid under {allowed(keyword)}"
    return writer(error)


def named_in_message(error: ValidationError, candidates: list[str]) -> str | None:
    """Which of the candidate names an error is about (jsonschema names it only in its
    message, as a Python repr at the start)."""
    return next((name for name in candidates if error.message.startswith(repr(name))), None)


def _value(error: ValidationError) -> Any:
    return error.validator_value


def _type(error: ValidationError) -> str:
    return f"{shown(error.instance)} is not of type {shown_list(_value(error))}"


def _enum(error: ValidationError) -> str:
    return f"{shown(error.instance)} is not one of {allowed(_value(error))}"


def _const(error: ValidationError) -> str:
    return f"{allowed(_value(error))} was expected"


def _required(error: ValidationError) -> str:
    required = [str(p) for p in _value(error)] if isinstance(_value(error), list) else []
    name = named_in_message(error, required)
    return f"{shown(name)} is a required property" if name else "a required property is missing"


def extra_properties(error: ValidationError) -> list[str]:
    """The properties of an object that neither `properties` nor `patternProperties` allow,
    in the object's order."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [str(k) for k in instance
            if k not in known and not any(re.search(p, str(k)) for p in patterns)]


def _unexpected(what: str, extras: list[str]) -> str:
    if not extras:
        return f"{what} are not allowed"
    verb = "was" if len(extras) == 1 else "were"
    return f"{what} are not allowed ({shown_list(extras)} {verb} unexpected)"


def _additional(error: ValidationError) -> str:
    extras = sorted(extra_properties(error))
    schema = error.schema if isinstance(error.schema, dict) else {}
    patterns = sorted(schema.get("patternProperties", {}))
    if patterns and extras:
        verb = "does" if len(extras) == 1 else "do"
        return f"{shown_list(extras)} {verb} not match any of the regexes: {shown_list(patterns)}"
    return _unexpected("Additional properties", extras)


def _unevaluated(error: ValidationError) -> str:
    instance = error.instance if isinstance(error.instance, dict) else {}
    named = sorted(str(k) for k in instance if repr(k) in error.message)
    return _unexpected("Unevaluated properties", named)


def _too(size: str, empty: str, limit: int) -> Message:
    """minLength / maxItems and the like: jsonschema's wording, JSON values."""
    def write(error: ValidationError) -> str:
        special = _value(error) == limit
        return f"{shown(error.instance)} {empty if special else size}"
    return write


def _bound(relation: str) -> Message:
    def write(error: ValidationError) -> str:
        return f"{shown(error.instance)} is {relation} {allowed(_value(error))}"
    return write


def _pattern(error: ValidationError) -> str:
    return f"{shown(error.instance)} does not match {allowed(_value(error))}"


def _format(error: ValidationError) -> str:
    return f"{shown(error.instance)} is not a {allowed(_value(error))}"


def _unique(error: ValidationError) -> str:
    return f"{shown(error.instance)} has non-unique elements"


def _one_of(error: ValidationError) -> str:
    if error.context:
        return f"{shown(error.instance)} is not valid under any of the given schemas"
    return f"{shown(error.instance)} is valid under more than one of the given schemas"


def _any_of(error: ValidationError) -> str:
    return f"{shown(error.instance)} is not valid under any of the given schemas"


def _not(error: ValidationError) -> str:
    return f"{shown(error.instance)} should not be valid under {allowed(_value(error))}"


def _dependent(error: ValidationError) -> str:
    instance = error.instance if isinstance(error.instance, dict) else {}
    declared = _value(error) if isinstance(_value(error), dict) else {}
    for present, needed in declared.items():
        missing = [n for n in needed if present in instance and n not in instance]
        if missing:
            return f"{shown(missing[0])} is a dependency of {shown(present)}"
    return "a dependent property is missing"


def _items(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    prefix = len(schema.get("prefixItems", []))
    rest = error.instance[prefix:] if isinstance(error.instance, list) else []
    return f"expected at most {prefix} items but found {len(rest)} extra: {shown(rest)}"


def _unevaluated_items(error: ValidationError) -> str:
    return f"Unevaluated items are not allowed in {shown(error.instance)}"


def _contains(error: ValidationError) -> str:
    return f"{shown(error.instance)} does not contain the items the schema asks for"


_MESSAGES: dict[str, Message] = {
    "type": _type, "enum": _enum, "const": _const, "required": _required,
    "additionalProperties": _additional, "unevaluatedProperties": _unevaluated,
    "minLength": _too("is too short", "should be non-empty", 1),
    "maxLength": _too("is too long", "is expected to be empty", 0),
    "minItems": _too("is too short", "should be non-empty", 1),
    "maxItems": _too("is too long", "is expected to be empty", 0),
    "minProperties": _too("does not have enough properties", "should be non-empty", 1),
    "maxProperties": _too("has too many properties", "is expected to be empty", 0),
    "minimum": _bound("less than the minimum of"),
    "maximum": _bound("greater than the maximum of"),
    "exclusiveMinimum": _bound("less than or equal to the minimum of"),
    "exclusiveMaximum": _bound("greater than or equal to the maximum of"),
    "multipleOf": _bound("not a multiple of"),
    "pattern": _pattern, "format": _format, "uniqueItems": _unique,
    "oneOf": _one_of, "anyOf": _any_of, "not": _not, "dependentRequired": _dependent,
    "items": _items, "unevaluatedItems": _unevaluated_items, "contains": _contains,
}
