"""Who a campaign reaches: a list's contacts, narrowed by a segment's selection, without the
unsubscribed and the suppressed.

A segment selects with `fiql` (`email==*@example.com;status==active`, `;` and, `,` or,
`*` wildcards, `==` and `!=`), `query` (`email LIKE '%@example.com' AND lang = 'en'`) or `json`
(`{"and": [...], "or": [...], "not": ...}` over fiql conditions). Terms are `email`,
`status`, `tags`, `interests` and custom attribute names.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from mailtwin.hooks import Context
from mailtwin.providers.especial.common import attributes
from mailtwin.providers.especial.suppression import blocked_in
from mailtwin.store import Record, Tenant

Test = Callable[[Record], bool]
_CONSTRAINT = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(==|!=)\s*(.*?)\s*$")
_SQL = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(=|!=|<>|LIKE|NOT LIKE)\s*'(.*)'\s*$", re.I)


def _values(contact: Record, term: str) -> list[str]:
    if term in ("tags", "tag", "interests", "interest"):
        key = "tags" if term.startswith("tag") else "interests"
        return [str(v).lower() for v in contact.get(key) or []]
    value = attributes(contact).get(term)
    return [] if value is None else [str(value).lower()]


def _matches(values: list[str], pattern: str) -> bool:
    return any(fnmatch.fnmatchcase(v, pattern.lower()) for v in values)


def _constraint(text: str) -> Test:
    found = _CONSTRAINT.match(text)
    if found is None:
        raise ValueError(f"cannot read the condition {text!r}")
    term, operator, pattern = found.groups()
    pattern = pattern.strip("'\"")
    if operator == "==":
        return lambda c: _matches(_values(c, term), pattern)
    return lambda c: not _matches(_values(c, term), pattern)


def _all(tests: list[Test]) -> Test:
    return lambda c: all(t(c) for t in tests)


def _any(tests: list[Test]) -> Test:
    return lambda c: any(t(c) for t in tests)


def _not(test: Test) -> Test:
    return lambda c: not test(c)


def fiql(text: str) -> Test:
    """A test from a FIQL selection (`,` or over `;` and)."""
    return _any([_all([_constraint(part) for part in group.split(";") if part.strip()])
                 for group in text.split(",") if group.strip()])


def _sql_part(text: str) -> Test:
    found = _SQL.match(text)
    if found is None:
        raise ValueError(f"cannot read the condition {text!r}")
    term, operator, value = found.groups()
    pattern = value.replace("%", "*") if "LIKE" in operator.upper() else value
    positive = operator.upper() in ("=", "LIKE")
    return lambda c: _matches(_values(c, term), pattern) == positive


def query(text: str) -> Test:
    """A test from an SQL-like selection (`OR` over `AND`)."""
    groups = re.split(r"\s+OR\s+", text, flags=re.I)
    return _any([_all([_sql_part(p) for p in re.split(r"\s+AND\s+", g, flags=re.I)])
                 for g in groups])


def json_test(node: Any) -> Test:
    """A test from a JSON selection: and / or / not over conditions."""
    if isinstance(node, str):
        return fiql(node)
    if isinstance(node, dict):
        tests: list[Test] = []
        for key, value in node.items():
            items = value if isinstance(value, list) else [value]
            inner = [json_test(item) for item in items]
            if key == "and" or key == "is":
                tests.append(_all(inner))
            elif key == "or":
                tests.append(_any(inner))
            elif key == "not":
                tests.append(_not(_all(inner)))
            else:
                raise ValueError(f"unknown selection key {key!r}")
        return _all(tests)
    raise ValueError("a selection must be an object or a condition string")


def selection(segment: Record) -> Test:
    """The test of a segment's selection (every contact when it has none)."""
    if segment.get("fiql"):
        return fiql(str(segment["fiql"]))
    if segment.get("query"):
        return query(str(segment["query"]))
    if segment.get("json"):
        return json_test(segment["json"])
    return lambda c: True


def problem_of(segment: Record) -> str | None:
    """Why a segment's selection cannot be read, or None when it can."""
    try:
        selection(segment)
    except ValueError as exc:
        return str(exc)
    return None


def readable(ctx: Context, segment: Record, where: str, prefix: str = "") -> Test:
    """The test of a selection, refused at its first key (at `where`) when unreadable."""
    try:
        return selection(segment)
    except ValueError as exc:
        location = (where,) if where == "path" else (where, next(iter(segment)))
        raise ctx.refuse(f"{prefix}{exc}", location) from None


def members(tenant: Tenant, list_id: Any, segment: Record | None) -> list[Record]:
    """The contacts of a list a segment selects (all of them without a segment)."""
    contacts = tenant.where("contact", list_id=list_id)
    if segment is None:
        return contacts
    test = selection(segment)
    return [c for c in contacts if test(c)]


def recipients(tenant: Tenant, audience: dict[str, Any]) -> list[Record]:
    """The contacts a send reaches: active, not suppressed (wildcards included), in the list
    (and segment)."""
    list_id = audience.get("list_id")
    if list_id is None:
        return []
    segment = None
    if audience.get("segment_id") is not None:
        segment = tenant.collections["segment"].get(audience["segment_id"])
    blocked = blocked_in(tenant)
    try:
        chosen = members(tenant, list_id, segment)
    except ValueError:
        return []
    return [c for c in chosen if c.get("status") == "active"
            and not blocked(str(c.get("email", "")))]
