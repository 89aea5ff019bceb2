"""Assertions on journal entries that explain a failure with a readable diff of what came in."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any
from urllib.parse import parse_qsl

ANY: Any = object()


def _glob(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))


def _pretty(value: Any) -> list[str]:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def _query_ok(entry: dict[str, Any], query: dict[str, Any] | None) -> bool:
    if query is None:
        return True
    got = dict(parse_qsl(entry.get("query") or "", keep_blank_values=True))
    return all(got.get(k) == str(v) for k, v in query.items())


def matching(entries: list[dict[str, Any]], method: str, path: str, json_body: Any = ANY,
             query: dict[str, Any] | None = None, status: int | None = None
             ) -> list[dict[str, Any]]:
    """Entries with this method and path (a glob), and body, query and status when given."""
    pattern = _glob(path)
    return [e for e in entries
            if e["method"] == method.upper() and pattern.fullmatch(e["path"])
            and (json_body is ANY or e["body"] == json_body)
            and _query_ok(e, query) and (status is None or e["status"] == status)]


def explain(entries: list[dict[str, Any]], method: str, path: str, json_body: Any,
            query: dict[str, Any] | None, status: int | None, times: int | None,
            found: int) -> str:
    """What was expected, what was found, and every received request (diffs for near ones)."""
    wanted = f"{method.upper()} {path}"
    if query is not None:
        wanted += f" with query {query}"
    if json_body is not ANY:
        wanted += f" with json {json.dumps(json_body, sort_keys=True)}"
    if status is not None:
        wanted += f" answered {status}"
    count = "at least once" if times is None else f"{times} time(s)"
    lines = [f"expected {wanted} {count}, found {found}.",
             f"The sandbox received {len(entries)} request(s):"]
    pattern = _glob(path)
    for e in entries:
        shown = f"  {e['method']} {e['path']}" + (f"?{e['query']}" if e["query"] else "")
        lines.append(f"{shown} -> {e['status']}")
        near = e["method"] == method.upper() and pattern.fullmatch(e["path"])
        if near and json_body is not ANY and e["body"] != json_body:
            lines.append("    json body (- expected, + received):")
            diff = difflib.ndiff(_pretty(json_body), _pretty(e["body"]))
            lines.extend(f"      {line}" for line in diff if not line.startswith("?"))
    if not entries:
        lines.append("  (none)")
    return "\n".join(lines)


def assert_requested(entries: list[dict[str, Any]], method: str, path: str, *,
                     json: Any = ANY, query: dict[str, Any] | None = None,
                     status: int | None = None, times: int | None = None
                     ) -> list[dict[str, Any]]:
    """The matching entries; AssertionError with a diff when there are none or not `times`."""
    __tracebackhide__ = True
    found = matching(entries, method, path, json, query, status)
    if (times is None and not found) or (times is not None and len(found) != times):
        raise AssertionError(explain(entries, method, path, json, query, status, times,
                                     len(found)))
    return found
