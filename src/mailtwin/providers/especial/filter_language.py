"""The recursive filter language of the Email API's `tags` and `providers` parameters.

A filter is a JSON object with one operator key: `and` / `or` take an object or an array of
conditions and objects, `not` / `is` an object or a condition; a condition is a value the
email must carry. `{"and": ["receipt", {"not": "test"}]}` holds for an email tagged
`receipt` and not `test`.
"""

from __future__ import annotations

import json
from typing import Any

from mailtwin.hooks import Context

TAKES: dict[str, tuple[type, ...]] = {"and": (dict, list), "or": (dict, list),
                                      "not": (dict, str), "is": (dict, str)}
MAX_DEPTH = 32


def parse(ctx: Context, name: str) -> dict[str, Any] | None:
    """The filter a query parameter holds (None when absent), or a 400 naming the parameter."""
    raw = ctx.query.get(name)
    if raw is None or not str(raw).strip():  # an empty filter filters nothing
        return None
    try:
        tree = json.loads(str(raw))
    except (ValueError, RecursionError):
        tree = None
    if not _well_formed(tree, 0):
        raise ctx.refuse(f"{name} must be a JSON filter of and / or / not / is, such as "
                         '{"is": "value"}', ("query", name))
    assert isinstance(tree, dict)
    return tree


def _well_formed(node: Any, depth: int) -> bool:
    if depth > MAX_DEPTH or not isinstance(node, dict) or len(node) != 1:
        return False
    operator, value = next(iter(node.items()))
    if operator not in TAKES or not isinstance(value, TAKES[operator]):
        return False
    if isinstance(value, dict):
        return _well_formed(value, depth + 1)
    if isinstance(value, list):
        return all(isinstance(part, str) or _well_formed(part, depth + 1) for part in value)
    return True


def holds(node: dict[str, Any], values: set[str]) -> bool:
    """Whether an email carrying `values` passes the filter."""
    operator, value = next(iter(node.items()))
    if isinstance(value, list):
        parts = (part in values if isinstance(part, str) else holds(part, values)
                 for part in value)
        return all(parts) if operator == "and" else any(parts)
    hit = value in values if isinstance(value, str) else holds(value, values)
    return not hit if operator == "not" else hit
