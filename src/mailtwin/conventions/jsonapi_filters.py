"""The filter syntax a JSON:API list reads with `newFilterSyntax=true`: operators
`filter[attr][gte]=v` (`gt`, `gte`, `lt`, `lte`), any-of arrays as repeated bracket keys
(`filter[attr][]=a&filter[attr][]=b`, `filter[rel][id][]=3`) and plain `filter[attr]=v`;
every value is taken whole, commas and `..` included.

A value for an attribute the list's answer declares as a date-time must be one, else a 400
whose id is `filterParameter.invalidDatetimeFormat` (so is a legacy `lo..hi` range sent with
the flag). `jsonapi` is the query style, reading either syntax.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mailtwin.conventions.jsonapi import relationships
from mailtwin.conventions.jsonapi_query import (
    NEW_SYNTAX,
    attribute_field,
    bad,
    comparable,
    legacy_filters,
    relationship_field,
    text_of,
    values_in,
)
from mailtwin.conventions.timestamps import parse_iso
from mailtwin.errors import ApiError, Problem
from mailtwin.listing import Predicate, QueryPlan
from mailtwin.validation import parse_query

if TYPE_CHECKING:
    from mailtwin.context import Context
    from mailtwin.resource import Resource

NAME = re.compile(r"^filter\[([^\[\]]+)\]((?:\[[^\[\]]*\])*)$")
STEP = re.compile(r"\[([^\[\]]*)\]")
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
BAD_MOMENT = "filterParameter.invalidDatetimeFormat"


def filters(ctx: Context, resource: Resource) -> list[Predicate]:
    """A predicate per filter name; repeated names (and values re-appended to a link) are
    read once."""
    grouped: dict[str, list[str]] = {}
    for name, value in parse_query(ctx.raw_query.encode("latin-1")):
        if NAME.match(name) and value not in grouped.setdefault(name, []):
            grouped[name].append(value)
    grouped = {name: values for name, values in grouped.items() if values}
    moments = moment_attributes(ctx) if grouped else frozenset()
    return [_predicate(ctx, resource, name, values, moments)
            for name, values in grouped.items()]


def _predicate(ctx: Context, resource: Resource, name: str, values: list[str],
               moments: frozenset[str]) -> Predicate:
    found = NAME.match(name)
    assert found is not None
    attr, steps = found.group(1), STEP.findall(found.group(2))
    if steps[-1:] == [""]:
        steps = steps[:-1]
    if attr in relationships(resource):
        if len(steps) > 1:
            raise bad(name, f"You can use only the attribute id to filter by {attr} "
                            f"(filter[{attr}][id]=X).")
        return values_in(relationship_field(resource, attr, steps[0] if steps else "",
                                            name), set(values))
    field = attribute_field(ctx, resource, attr, "filter_terms", name)
    moment = attr in moments
    if not steps:
        if not moment:
            return values_in(field, set(values))
        return _any_moment(field, [_moment(text, name) for text in values])
    if len(steps) > 1 or steps[0] not in OPERATORS:
        raise bad(name, f"{steps[0]!r} is not a filter operator (gt, gte, lt, lte)")
    test = OPERATORS[steps[0]]
    bounds = [_moment(text, name) if moment else comparable(text) for text in values]
    return _compare(field, test, bounds)


def _moment(text: str, name: str) -> tuple[int, Any]:
    """A date-time value as filters compare it; anything else is the provider's 400."""
    moment = parse_iso(text)
    if moment is None:
        raise ApiError(400, [Problem(("query", name), f"{text!r} is not a valid date-time "
                                     "format", BAD_MOMENT)])
    return (0, moment.timestamp())


def _any_moment(field: str, wanted: list[tuple[int, Any]]) -> Predicate:
    def matches(record: dict[str, Any]) -> bool:
        value = record.get(field)
        return value is not None and comparable(value) in wanted

    return matches


def _compare(field: str, test: Callable[[Any, Any], bool],
             bounds: list[tuple[int, Any]]) -> Predicate:
    def inside(record: dict[str, Any]) -> bool:
        value = record.get(field)
        if value is None:
            return False
        seen = comparable(value)
        return all(seen[0] == bound[0] and test(seen, bound) for bound in bounds)

    return inside


def moment_attributes(ctx: Context) -> frozenset[str]:
    """Attributes whose schema in the list's 200 answer has format date-time or date."""
    document = ctx.provider.spec.document
    answer = _deref(document, ctx.op.spec.document.get("responses", {}).get("200", {}))
    found: set[str] = set()
    for media in answer.get("content", {}).values():
        schema = _deref(document, media.get("schema", {}) if isinstance(media, dict) else {})
        items = _deref(document, _deref(document, schema.get("properties", {}).get(
            "data", {})).get("items", {}))
        attributes = _deref(document, items.get("properties", {}).get("attributes", {}))
        for attr, prop in attributes.get("properties", {}).items():
            if _deref(document, prop).get("format") in ("date-time", "date"):
                found.add(str(attr))
    return frozenset(found)


def _deref(document: dict[str, Any], node: Any) -> dict[str, Any]:
    """A schema node with its `#/...` references followed."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = str(node["$ref"])
        if not ref.startswith("#/"):
            return {}
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) \
                if isinstance(target, dict) else {}
        node = target
    return node if isinstance(node, dict) else {}


def jsonapi(ctx: Context) -> QueryPlan:
    """Predicates for every `filter[...]` (in the syntax `newFilterSyntax` picks) and the
    order `sort` asks for."""
    resource = ctx.op.resource
    plan = QueryPlan()
    if resource is None:
        return plan
    new = text_of(ctx.query.get(NEW_SYNTAX)).lower() in ("true", "1")
    plan.predicates.extend(filters(ctx, resource) if new else legacy_filters(ctx, resource))
    sort = ctx.query.get("sort")
    if sort:
        for term in str(sort).split(","):
            term = term.strip()
            descending = term.startswith("-")
            attr = term.lstrip("-+")
            if not attr:
                raise bad("sort", "sort terms must name an attribute")
            plan.order.append((attribute_field(ctx, resource, attr, "sort_terms", "sort"),
                               descending))
    return plan
