"""Error envelopes by name: how an ApiError is written in each provider's own style."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mailtwin.errors import ApiError, Problem

ErrorRenderer = Callable[[ApiError], Any]

_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
           415: "Unsupported Media Type", 422: "Unprocessable Entity", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def title_of(status: int) -> str:
    """The reason phrase of a status."""
    return _TITLES.get(status, "Error")


def error_key(error: ApiError) -> Any:
    """`{"error": "mailing_statuses: 'q' is not one of ..."}` plus any extra keys."""
    return {"error": error.summary() or title_of(error.status), **error.extra}


def _jsonapi_source(problem: Problem) -> dict[str, str]:
    place, *rest = problem.location or ("body",)
    if place == "body":
        return {"pointer": "".join(f"/{part}" for part in rest) or "/data"}
    if rest:
        return {"parameter": str(rest[0])}
    return {}


def jsonapi(error: ApiError) -> Any:
    """`{"errors": [{"id", "title", "detail", "source": {"pointer"}}]}` (JSON:API 1.0)."""
    title = error.title or title_of(error.status)
    items = []
    for problem in error.problems or [Problem((), title)]:
        item: dict[str, Any] = {"id": _jsonapi_id(problem.kind), "title": title,
                                "detail": problem.message}
        source = _jsonapi_source(problem)
        if source:
            item["source"] = source
        items.append(item)
    return {"errors": items}


def _jsonapi_id(kind: str) -> str:
    """snake_case kinds -> the camelCase ids JSON:API providers use (validationError)."""
    head, *tail = kind.split("_")
    return head + "".join(word.title() for word in tail)


def fastapi(error: ApiError) -> Any:
    """`{"detail": [{"loc": ["body", "name"], "msg": "...", "type": "..."}]}`."""
    return {"detail": [{"loc": list(p.location), "msg": p.message, "type": p.kind}
                       for p in error.problems] or [{"loc": [], "msg": title_of(error.status),
                                                      "type": "error"}]}


def drf(error: ApiError) -> Any:
    """Django REST framework: `{"field": ["msg"]}` nested for nested fields, else `{"detail"}`."""
    body_problems = [p for p in error.problems if p.location[:1] == ("body",)]
    if error.status not in (400, 422) or not body_problems:
        return {"detail": error.summary() or title_of(error.status), **error.extra}
    tree: dict[str, Any] = {}
    for problem in body_problems:
        path = list(problem.location[1:]) or ["non_field_errors"]
        _drf_insert(tree, path, problem.message)
    return tree


def _drf_insert(tree: Any, path: list[str | int], message: str) -> None:
    """Place a message at a nested path, growing lists with `{}` for the valid items."""
    node = tree
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(part, int):
            if not isinstance(node, list):
                return
            while len(node) <= part:
                node.append({})
            if last:
                node[part] = [message]
                return
            node = node[part]
            continue
        key = str(part)
        if last:
            existing = node.setdefault(key, [])
            if isinstance(existing, list):
                existing.append(message)
            return
        nxt = path[i + 1]
        node = node.setdefault(key, [] if isinstance(nxt, int) else {})


RENDERERS: dict[str, ErrorRenderer] = {
    "error-key": error_key,
    "jsonapi": jsonapi,
    "fastapi": fastapi,
    "drf": drf,
}
