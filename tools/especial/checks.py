"""Checks of the generated document: unique summaries, dangling refs, seed coverage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .facts import operations


def check_unique_summaries(paths: dict[str, Any]) -> None:
    """Fail loudly when two operations get the same generated summary."""
    seen: dict[str, str] = {}
    for path, item in paths.items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            if op["summary"] in seen:
                raise SystemExit(
                    f"duplicate summary {op['summary']!r}: {seen[op['summary']]} and {where}"
                )
            seen[op["summary"]] = where


def refs_of(value: Any) -> Iterator[str]:
    """Every $ref string inside a value."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key == "$ref" and isinstance(sub, str):
                yield sub
            else:
                yield from refs_of(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from refs_of(sub)


def resolve_pointer(document: Any, ref: str) -> bool:
    """Whether a local $ref ("#/a/b") names a node of the document."""
    if not ref.startswith("#/"):
        return False
    node = document
    for raw in ref[2:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or token not in node:
            return False
        node = node[token]
    return True


def check_document(document: dict[str, Any], seeds: list[dict[str, Any]]) -> list[str]:
    """Problems of the final document: dangling $refs, missing seed operations, stray brand."""
    problems = sorted(
        {f"unresolved $ref {r}" for r in refs_of(document) if not resolve_pointer(document, r)}
    )
    for seed in seeds:
        if seed["method"].lower() not in document["paths"].get(seed["path"], {}):
            problems.append(f"seed operation missing: {seed['method']} {seed['path']}")
    resources = document["x-mailtwin"].get("resources", {})
    for _, _, op in operations(document):
        name = op.get("x-mailtwin", {}).get("resource")
        if name is not None and name not in resources:
            problems.append(f"{op['operationId']}: undeclared resource {name}")
    return problems
