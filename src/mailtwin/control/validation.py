"""The control plane's own OpenAPI document, compiled once into request validators."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from mailtwin.errors import ApiError, Problem
from mailtwin.store import Pristine
from mailtwin.validation import MAX_DEPTH, ParameterSet, Schemas, Validator, parse_query
from mailtwin.yamlsource import load_yaml

DOCUMENT = Path(__file__).with_name("openapi.yaml")
METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class ControlOperation:
    """One control-plane operation: where it lives and how its input is checked."""

    operation_id: str
    method: str
    path: str
    path_params: ParameterSet
    query_params: ParameterSet
    body: Validator | None
    body_required: bool
    status: int


@dataclass
class ControlState:
    """What the control plane remembers beside the runtime: the start seed, fixtures by seed."""

    start_seed: int
    pristine_by_seed: dict[int, dict[str, Pristine]] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """A checked control-plane request."""

    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    # The request proved the control token, or came in-process: it may see secrets.
    trusted: bool = False


@cache
def document() -> dict[str, Any]:
    """The control plane's OpenAPI 3.1 document."""
    loaded: dict[str, Any] = load_yaml(DOCUMENT)
    return loaded


def operations() -> list[ControlOperation]:
    """Every operation of the document, validators compiled."""
    doc = document()
    schemas = Schemas("control", doc)
    out = []
    for path, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            params = [*shared, *spec.get("parameters", [])]
            content = spec.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            codes = sorted(int(c) for c in spec.get("responses", {}) if int(c) < 300)
            out.append(ControlOperation(
                spec["operationId"], method.upper(), path,
                ParameterSet("path", params, doc, schemas),
                ParameterSet("query", params, doc, schemas),
                Validator(schema, schemas) if schema is not None else None,
                bool(spec.get("requestBody", {}).get("required")), codes[0] if codes else 200))
    return out


def check(op: ControlOperation, path: dict[str, str], query: bytes, raw: bytes,
          trusted: bool = False) -> Call:
    """Parse and validate a request's path, query and body; every problem at once."""
    path_values, problems = op.path_params.parse(list(path.items()))
    if problems:
        raise ApiError(404, problems, title="Not Found")
    query_values, problems = op.query_params.parse(parse_query(query))
    body: Any = None
    if raw.strip():
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise ApiError(400, [Problem(("body",), f"malformed JSON: {exc}", "json_invalid")]
                           ) from None
        if _depth(body) > MAX_DEPTH:
            raise ApiError(400, [Problem(("body",), "JSON nested too deeply", "json_invalid")])
    elif op.body_required:
        problems.append(Problem(("body",), "a JSON request body is required", "missing"))
    if op.body is not None and body is not None:
        problems.extend(op.body.problems(body, ("body",)))
    if problems:
        raise ApiError(400, problems, title="Bad Request")
    if query_values.get("secrets") and not trusted:
        raise ApiError(403, [Problem(("query", "secrets"), "secrets are shown only by a server "
                                     "with a control token (or in-process)", "forbidden")])
    return Call(path_values, query_values, body if body is not None else {}, trusted)


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack and deepest <= MAX_DEPTH:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node if isinstance(
            node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def render_error(error: ApiError) -> dict[str, Any]:
    """`{"error": "summary", "problems": [{"loc", "msg", "type"}]}`."""
    return {"error": error.summary() or error.title,
            "problems": [{"loc": list(p.location), "msg": p.message, "type": p.kind}
                         for p in error.problems]}


def problem(message: str, location: tuple[str | int, ...] = ("body",), status: int = 400
            ) -> ApiError:
    """A refusal with one problem."""
    return ApiError(status, [Problem(location, message, "value_error")])


def validate_state(value: Any) -> None:
    """Check a state document against the control plane's schema (for state files too)."""
    doc = document()
    schemas = Schemas("control", doc)
    schema = doc["paths"]["/__mailtwin/state"]["put"]["requestBody"]["content"][
        "application/json"]["schema"]
    problems = Validator(schema, schemas).problems(value, ("body",))
    if problems:
        raise ApiError(400, problems, title="Bad Request")
