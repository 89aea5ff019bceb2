"""The JSON:API query style: `sort=a,-b`, `filter[attr]=v1,v2`, ranges `filter[attr]=lo..hi`
(`inf` / `neginf` for open ends) and relationship filters `filter[rel][id]=5`; with
`newFilterSyntax=true`, operators and bracket arrays instead (jsonapi_filters.py).

Attributes a list may filter or sort on are the operation's `filter_terms` / `sort_terms`
(any record field when none are declared); `id` always names the resource's id. Relationship
filters follow the resource's `jsonapi.relationships` (`filter: false` forbids one).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mailtwin.conventions.jsonapi import relationships
from mailtwin.conventions.timestamps import parse_iso
from mailtwin.errors import ApiError, Problem
from mailtwin.listing import FieldIn, Predicate

if TYPE_CHECKING:
    from mailtwin.context import Context
    from mailtwin.resource import Resource

FILTER = re.compile(r"^filter\[([^\[\]]+)\](?:\[([^\[\]]*)\])?$")
NEW_SYNTAX = "newFilterSyntax"


def bad(name: str, message: str) -> ApiError:
    return ApiError(400, [Problem(("query", name), message, "bad_request")])


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def comparable(value: Any) -> tuple[int, Any]:
    """Numbers, then moments, then text: values of one kind compare with each other."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value))
    text = text_of(value)
    moment = parse_iso(text) if "T" in text or re.fullmatch(r"\d{4}-\d\d-\d\d", text) else None
    if moment is not None:
        return (0, moment.timestamp())
    try:
        return (0, float(text))
    except ValueError:
        return (1, text)


def _bound(text: str, name: str) -> tuple[int, Any] | None:
    """A range end: None for `inf` / `neginf` / empty (open), else a comparable value."""
    if text in ("", "inf", "neginf"):
        return None
    value = comparable(text)
    if value[0] == 1 and re.match(r"^\d{4}-\d\d-\d\d", text):
        raise bad(name, f"{text!r} is not a valid date-time")
    return value


def _range(field: str, text: str, name: str) -> Predicate:
    low_text, _, high_text = text.partition("..")
    if low_text == "inf" or high_text == "neginf":
        return lambda record: False
    low, high = _bound(low_text, name), _bound(high_text, name)

    def inside(record: dict[str, Any]) -> bool:
        value = record.get(field)
        if value is None:
            return False
        seen = comparable(value)
        if (low and seen[0] != low[0]) or (high and seen[0] != high[0]):
            return False
        return (low is None or seen >= low) and (high is None or seen <= high)

    return inside


def values_in(field: str, wanted: set[str]) -> Predicate:
    """Records whose field (or an item of a list field) is one of the texts wanted."""

    def matches(record: dict[str, Any]) -> bool:
        value = record.get(field)
        if isinstance(value, list):
            return any(text_of(item) in wanted for item in value)
        return text_of(value) in wanted

    return FieldIn(field, wanted, text_of, matches)


def attribute_field(ctx: Context, resource: Resource, attr: str, terms: str, name: str) -> str:
    if attr == "id":
        return resource.id_field
    allowed = ctx.op.ext.get(terms)
    if attr in relationships(resource) or (allowed is not None and attr not in allowed):
        verb = "filter" if terms == "filter_terms" else "sort"
        raise bad(name, f"{attr!r} is not an attribute this list can {verb} on")
    return attr


def relationship_field(resource: Resource, rel: str, attr: str, name: str) -> str:
    declared = relationships(resource).get(rel)
    if declared is None:
        raise bad(name, f"{rel!r} is not a relationship of {resource.name}")
    if declared.get("filter") is False:
        raise bad(name, f"Relationship {rel} cannot be used as a filter.")
    if attr != "id":
        raise bad(name, f"You can use only the attribute id to filter by {rel} "
                         f"(filter[{rel}][id]=X).")
    return rel


def legacy_filters(ctx: Context, resource: Resource) -> list[Predicate]:
    """`filter[attr]=a,b`, `filter[attr]=lo..hi` and `filter[rel][id]=5`."""
    predicates: list[Predicate] = []
    for name, value in ctx.query.items():
        found = FILTER.match(name)
        if found is None:
            continue
        attr, sub = found.group(1), found.group(2)
        text = text_of(value) if not isinstance(value, list) else ",".join(map(text_of, value))
        if sub is not None:
            field = relationship_field(resource, attr, sub, name)
        else:
            field = attribute_field(ctx, resource, attr, "filter_terms", name)
        predicates.append(_range(field, text, name) if ".." in text
                          else values_in(field, {part.strip() for part in text.split(",")}))
    return predicates
