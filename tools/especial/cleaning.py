"""Cleaning of upstream parts: schemas, parameters, operations, responses, components."""

from __future__ import annotations

import json
import re
from typing import Any

from .facts import RESPONSE_TEXT
from .naming import Classified, Route, backticked, plain_number, section, snake, summary_of
from .resources import deref, record_schema

# Operations upstream marks as secured that must work without a token in the sandbox.
AUTH_NONE = {("post", "/token")}
PARAM_TEXT = {
    "account_id": "Act on this (sub-)account instead of the caller's own.",
    "page": "Page number, from 1.",
    "per_page": "Records per page.",
    "with_count": "Add the total record count to the pagination block.",
    "lock_key": "Workflow lock key held by the caller.",
    "iso_time": "Render timestamps as ISO 8601 strings.",
    "cursor": "Opaque cursor for cursor pagination.",
    "start_time": "Window start, unix seconds.",
    "end_time": "Window end, unix seconds.",
    "tracking": "Turn on open and click tracking.",
    "as_submitted": "Render the content as it was submitted.",
    "group_id": "Email group id.",
    "query": "SQL-like selection; exclusive with fiql and json.",
    "fiql": "FIQL selection; exclusive with query and json.",
    "json": "JSON selection; exclusive with query and fiql.",
}
SCHEMA_DROP = frozenset({"description", "title", "example", "examples", "$comment", "summary"})
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_ONE = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
# Boolean flags of write answers ({"id", "object", "created": true, ...}) are found in the
# response schema: a boolean property with a default (`"subscribed": false` after unsubscribe).
OPERATION_KEYS = ("tags", "parameters", "requestBody", "responses", "security", "deprecated")


# ---------------------------------------------------------------------------- schemas


def clean_schema(schema: Any) -> Any:
    """A schema without prose, titles, examples and vendor keys; structure and facts kept."""
    if isinstance(schema, list):
        return [clean_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return plain_number(schema)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in SCHEMA_DROP or key.startswith("x-"):
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: clean_schema(sub) for name, sub in value.items()}
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [clean_schema(sub) for sub in value]
        elif key in SCHEMA_ONE and isinstance(value, dict):
            out[key] = clean_schema(value)
        else:
            out[key] = json.loads(json.dumps(value), parse_float=_float)
    return simplify_schema(out)


def _float(text: str) -> int | float:
    """JSON float parser that keeps integral values as ints."""
    value = float(text)
    return int(value) if value.is_integer() else value


def simplify_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Unwrap {allOf: [x]} left alone once titles and descriptions are gone."""
    if list(schema) == ["allOf"] and len(schema["allOf"]) == 1:
        only = schema["allOf"][0]
        if isinstance(only, dict):
            return only
    return schema


def clean_content(content: dict[str, Any]) -> dict[str, Any]:
    """Media types with their schemas (and encodings), without examples."""
    out: dict[str, Any] = {}
    for media, body in content.items():
        entry: dict[str, Any] = {}
        if "schema" in body:
            entry["schema"] = clean_schema(body["schema"])
        if "encoding" in body:
            entry["encoding"] = clean_schema(body["encoding"])
        out[media] = entry
    return out


# ---------------------------------------------------------------------------- parameters


def describe_parameter(param: dict[str, Any]) -> str | None:
    """Our own one-line description of a parameter, from the facts its upstream text holds."""
    name = str(param.get("name"))
    text = str(param.get("description") or param.get("schema", {}).get("description") or "")
    if "Valid Terms:" in text:
        terms = ", ".join(backticked(section(text, "Valid Terms:")))
        ops = " ".join(backticked(section(text, "Valid Operators:"))) or "=="
        sep = " ".join(backticked(section(text, "Query separator:"))) or ";"
        return f"Filter as term{ops}value, joined by {sep}. Terms: {terms}."
    if "Sort term" in text:
        terms = ", ".join(backticked(section(text, "Valid terms:")))
        return f"Sort key, prefixed by - for descending or + for ascending. Keys: {terms}."
    if "#### Operators:" in text:
        found = re.findall(r"^(\S+): ", section(text, "#### Operators:"), flags=re.MULTILINE)
        return f"Match on {name}; optional operator prefix: {', '.join(found)}."
    if "reserved terms:" in text:
        reserved = text.split("reserved terms:", 1)[1].strip().rstrip(".")
        return f"Attribute name; reserved: {reserved}."
    if "Recursive Filter Query Language" in text:
        return f"JSON filter on {name}: nested and/or/not/is over condition strings."
    if "wildcard" in text:
        return "An address, or a *@domain or local@* wildcard."
    return PARAM_TEXT.get(name)


def clean_parameter(param: dict[str, Any]) -> dict[str, Any]:
    """A parameter with its facts and our own description."""
    out: dict[str, Any] = {"name": param["name"], "in": param["in"]}
    if param.get("required"):
        out["required"] = True
    for key in ("deprecated", "style", "explode", "allowEmptyValue", "allowReserved"):
        if key in param:
            out[key] = param[key]
    text = describe_parameter(param)
    if text:
        out["description"] = text
    if "schema" in param:
        out["schema"] = clean_schema(param["schema"])
    if "content" in param:
        out["content"] = clean_content(param["content"])
    return out


# ---------------------------------------------------------------------------- operations


def operation_block(
    method: str, path: str, found: Classified, op: dict[str, Any], schemas: dict[str, Any]
) -> dict[str, Any]:
    """The x-mailtwin block of one operation."""
    block: dict[str, Any] = {"kind": found.kind, "resource": found.resource}
    if found.action:
        block["action"] = found.action
    if not op.get("security") or (method, path) in AUTH_NONE:
        block["auth"] = "none"
    for param in op.get("parameters", []):
        text = str(param.get("description") or param.get("schema", {}).get("description") or "")
        if param.get("name") == "filter" and "Valid Terms:" in text:
            block["filter_terms"] = backticked(section(text, "Valid Terms:"))
        if param.get("name") == "sort" and "Sort term" in text:
            block["sort_terms"] = backticked(section(text, "Valid terms:"))
    if found.kind == "list" and record_schema(op, schemas).get("properties"):
        block["view"] = "summary"
    if found.kind != "hook":
        respond = respond_block(op, schemas, found.kind)
        if respond:
            block["respond"] = respond
    return block


def respond_block(
    op: dict[str, Any], schemas: dict[str, Any], kind: str
) -> dict[str, Any] | None:
    """The answer template of a write: `{id, object, <flag>: true, data}` as the schema says.

    A 2xx JSON schema holding `object` (with its default) and boolean flags with defaults
    gives `{id: $id, object: campaign, created: $true, data: $record}`; `{data}` alone
    is the envelope's default answer and needs no template, except for a delete (whose
    default answer is an empty 204).
    """
    for code in sorted(op.get("responses", {})):
        if not code.startswith("2"):
            continue
        content = op["responses"][code].get("content", {}).get("application/json", {})
        props = deref(content.get("schema"), schemas).get("properties", {})
        if "object" not in props and "id" not in props:
            if kind == "delete" and "data" in props:
                return {"status": int(code), "body": {"data": "$record"}}
            return None
        body: dict[str, Any] = {}
        for name, sub in props.items():
            prop = deref(sub, schemas)
            if name == "id":
                body["id"] = "$id"
            elif name == "object" and "default" in prop:
                body["object"] = prop["default"]
            elif prop.get("type") == "boolean" and isinstance(prop.get("default"), bool):
                body[name] = "$true" if prop["default"] else "$false"
            elif name == "data":
                body["data"] = "$record"
        return {"status": int(code), "body": body}
    return None


def clean_operation(
    path: str,
    method: str,
    op: dict[str, Any],
    found: Classified,
    route: Route,
    schemas: dict[str, Any],
) -> dict[str, Any]:
    """One operation: facts kept, wording ours, x-mailtwin added."""
    out: dict[str, Any] = {
        "operationId": op.get("operationId") or snake(f"{method}_{path}"),
        "summary": summary_of(route, method, found),
    }
    for key in OPERATION_KEYS:
        if key not in op:
            continue
        value = op[key]
        if key == "parameters":
            out[key] = [clean_parameter(p) for p in value]
        elif key == "requestBody":
            body: dict[str, Any] = {}
            if value.get("required"):
                body["required"] = True
            body["content"] = clean_content(value.get("content", {}))
            out[key] = body
        elif key == "responses":
            out[key] = {code: clean_response(code, r) for code, r in value.items()}
        else:
            out[key] = json.loads(json.dumps(value))
    out["x-mailtwin"] = operation_block(method, path, found, op, schemas)
    return out


def clean_response(code: str, response: dict[str, Any]) -> dict[str, Any]:
    """A response with our own description and its content schemas."""
    out: dict[str, Any] = {"description": RESPONSE_TEXT.get(code, f"Status {code}.")}
    if "content" in response:
        out["content"] = clean_content(response["content"])
    if "headers" in response:
        out["headers"] = {
            h: clean_parameter({"name": h, "in": "header", **v})
            for h, v in response["headers"].items()
        }
    return out


# ---------------------------------------------------------------------------- components


def clean_components(components: dict[str, Any]) -> dict[str, Any]:
    """Component schemas without prose, and security schemes with our own scope texts."""
    out: dict[str, Any] = {
        "schemas": {name: clean_schema(s) for name, s in components.get("schemas", {}).items()},
    }
    schemes: dict[str, Any] = {}
    for name, scheme in components.get("securitySchemes", {}).items():
        kept = {k: v for k, v in scheme.items() if k != "description" and not k.startswith("x-")}
        for flow in kept.get("flows", {}).values():
            flow["scopes"] = {s: f"The {s} scope." for s in flow.get("scopes", {})}
        schemes[name] = kept
    out["securitySchemes"] = schemes
    return out
