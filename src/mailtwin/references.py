"""References: request values that must name existing records, checked before an operation
changes anything (after its own record is found) and refused in the provider's style.

Declared on a resource (for the bodies of its creates, updates and replaces) or on an
operation, as a list:

    references:
      - {body: /audience/list_id, resource: list}
      - {body: /audience/segment_id, resource: segment, within: {list_id: /audience/list_id},
         message: "segment {id} does not exist in list {list_id}"}
      - {body: /steps/*/sender/id, resource: sender}     # `*`: every key or item
      - {query: contact_id, resource: contact}

A value that is absent or null names no record and is not checked. The record must be in the
scope the request's path names (the resource's `scope`), and `within` adds fields that must
equal (as text) other body values, when those are given. The message names `{id}` (the value
as sent), `{resource}` (the resource's name in words) and every `within` field; without one,
the provider's `refusals.missing` (default `{resource} {id} does not exist`). On an operation,
the message may also name the path's parameters; on a resource, its scope's.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from mailtwin.context import Context
from mailtwin.errors import ApiError, Location

_ABSENT: Any = object()


def values_at(document: Any, pointer: str) -> Iterator[tuple[Location, Any]]:
    """Every (location, value) a pointer reaches; `*` steps into every key or item.

    `values_at({"a": [{"id": 1}, {"id": 2}]}, "/a/*/id")` yields `(("a", 0, "id"), 1)` and
    `(("a", 1, "id"), 2)`.
    """
    yield from _walk(document, _parts(pointer), ())


@functools.lru_cache(maxsize=1024)
def _parts(pointer: str) -> tuple[str, ...]:
    """A pointer's keys, unescaped (pointers come from specs: parsed once each)."""
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/"))


def _walk(node: Any, parts: tuple[str, ...], at: Location) -> Iterator[tuple[Location, Any]]:
    if not parts:
        yield at, node
        return
    head, rest = parts[0], parts[1:]
    if isinstance(node, dict):
        keys = list(node) if head == "*" else [head] if head in node else []
        for key in keys:
            yield from _walk(node[key], rest, (*at, key))
    elif isinstance(node, list):
        if head == "*":
            for index, item in enumerate(node):
                yield from _walk(item, rest, (*at, index))
        elif head.isdigit() and int(head) < len(node):
            yield from _walk(node[int(head)], rest, (*at, int(head)))


class _Names(dict[str, Any]):
    """Message values; a path parameter this request's path lacks reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""


def _one(document: Any, pointer: str) -> Any:
    """The value a plain pointer names, or _ABSENT."""
    for _, value in values_at(document, pointer):
        return value
    return _ABSENT


def _targets(ctx: Context, spec: dict[str, Any]) -> Iterator[tuple[Location, Any]]:
    if "query" in spec:
        name = spec["query"]
        if name in ctx.query:
            yield ("query", name), ctx.query[name]
        return
    for at, value in values_at(ctx.body, spec["body"]):
        yield ("body", *at), value


def problems(ctx: Context, specs: tuple[dict[str, Any], ...]) -> list[tuple[Location, str]]:
    """(location, message) of every declared reference naming no record."""
    found: list[tuple[Location, str]] = []
    for spec in specs:
        resource = ctx.provider.resources[spec["resource"]]
        within = {field: _one(ctx.body, pointer)
                  for field, pointer in spec.get("within", {}).items()}
        for at, value in _targets(ctx, spec):
            if value is None:
                continue
            record = resource.get(ctx.tenant, value)
            if record is not None and resource.in_scope(record, ctx.path) and all(
                    given is _ABSENT or str(record.get(field)) == str(given)
                    for field, given in within.items()):
                continue
            template = spec.get("message") or ctx.provider.missing_message
            names = {field: "" if given is _ABSENT else given for field, given in within.items()}
            found.append((at, template.format_map(_Names({
                **ctx.path, **names, "id": value, "resource": resource.name.replace("_", " ")}))))
    return found


def check_references(ctx: Context, specs: tuple[dict[str, Any], ...]) -> None:
    """Refuse, in the provider's style, a request whose references name no record (every
    such reference is reported at once)."""
    found = problems(ctx, specs)
    if found:
        first = ctx.refuse(found[0][1], found[0][0])
        rest = [ctx.refuse(message, at).problems[0] for at, message in found[1:]]
        raise ApiError(first.status, first.problems + rest, title=first.title,
                       extra=first.extra, headers=first.headers)
