"""The `expression` query style: `filter=status==scheduled;name==April` and `sort=-name`.

Terms are the ones an operation declares (`x-mailtwin.filter_terms` / `sort_terms`); a term
or an operator outside them is a 400 that names it. A term matches a record field, or a field
of a nested object (`list_id` finds `audience.list_id`); values compare as text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mailtwin.errors import ApiError, Problem
from mailtwin.listing import Predicate, QueryPlan

if TYPE_CHECKING:
    from mailtwin.context import Context

OPERATORS = ("==",)
_CLAUSE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(==|!=|>=|<=|=~|!~|=gt=|=lt=|>|<|=)(.*)$")


def _refuse(param: str, message: str) -> ApiError:
    return ApiError(400, [Problem(("query", param), message, "bad_request")])


def value_of(record: dict[str, Any], term: str) -> Any:
    """A term's value in a record: the field itself, else the same name one level down."""
    if term in record:
        return record[term]
    for value in record.values():
        if isinstance(value, dict) and term in value:
            return value[term]
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _equals(term: str, wanted: str) -> Predicate:
    return lambda record: _text(value_of(record, term)) == wanted


def filters(ctx: Context, terms: list[str]) -> list[Predicate]:
    """Predicates of `filter=term==value;term==value`."""
    raw = ctx.query.get("filter")
    if not isinstance(raw, str) or not raw.strip():
        return []
    out: list[Predicate] = []
    for clause in (c for c in raw.split(";") if c.strip()):
        match = _CLAUSE.match(clause)
        if match is None:
            raise _refuse("filter", f"cannot read the filter clause {clause!r}: expected "
                          "term==value")
        term, operator, value = match.groups()
        if term not in terms:
            raise _refuse("filter", f"filtering on {term!r} is not allowed; allowed terms: "
                          f"{', '.join(terms)}")
        if operator not in OPERATORS:
            raise _refuse("filter", f"the operator {operator!r} is not allowed; allowed "
                          f"operators: {', '.join(OPERATORS)}")
        out.append(_equals(term, value.strip()))
    return out


def order(ctx: Context, terms: list[str]) -> list[tuple[str, bool]]:
    """`sort=-created_on,+name` -> [(created_on, descending), (name, ascending)]."""
    raw = ctx.query.get("sort")
    if not isinstance(raw, str) or not raw.strip():
        return []
    out: list[tuple[str, bool]] = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        descending = part.startswith("-")
        term = part[1:] if part[:1] in ("-", "+", " ") else part
        if term not in terms:
            raise _refuse("sort", f"sorting on {term!r} is not allowed; allowed terms: "
                          f"{', '.join(terms)}")
        out.append((term, descending))
    return out


def expression(ctx: Context) -> QueryPlan:
    """The predicates and order a list request asks for in the expression style."""
    ext = ctx.op.ext
    plan = QueryPlan()
    if "filter_terms" in ext:
        plan.predicates = filters(ctx, list(ext["filter_terms"]))
    if "sort_terms" in ext:
        plan.order = order(ctx, list(ext["sort_terms"]))
    return plan
