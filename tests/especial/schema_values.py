"""A valid example value for a JSON Schema of the Especial spec (for conformance requests)."""

from __future__ import annotations

from typing import Any

FORMATS = {"email": "conformance@example.com", "date-time": "2030-01-01T00:00:00Z",
           "date": "2030-01-01", "uri": "https://example.com/hook",
           "uuid4": "8a1c2f6e-0b0e-4c1e-9a5e-1f2d3c4b5a69", "json-string": "{}"}


def resolve(schema: Any, document: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref` and single-item `allOf` wrappers."""
    while isinstance(schema, dict):
        if "$ref" in schema:
            node: Any = document
            for part in str(schema["$ref"])[2:].split("/"):
                node = node[part]
            schema = node
        elif "allOf" in schema and len(schema["allOf"]) == 1 and "default" not in schema:
            schema = schema["allOf"][0]
        else:
            return schema
    return {}


def example(schema: Any, document: dict[str, Any], name: str = "") -> Any:
    """A small value the schema accepts: required properties only, first enum values."""
    schema = resolve(schema, document)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example(part, document, name)
            if isinstance(value, dict):
                merged.update(value)
            else:
                return value
        return merged
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if resolve(o, document).get("type") != "null"]
            return example(options[0] if options else schema[key][0], document, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {key: example(props.get(key, {}), document, key)
                for key in schema.get("required", [])}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [example(schema.get("items", {}), document, name) for _ in range(count)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if "format" in schema and schema["format"] in FORMATS:
        return FORMATS[schema["format"]]
    text = f"conf{name.replace('_', '')}"[:max(1, int(schema.get("maxLength", 64)))]
    return text.ljust(int(schema.get("minLength", 0)), "x")
