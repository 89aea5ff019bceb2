"""Query styles by name: how a provider's list parameters filter and sort records.

A style reads the request (`ctx.query`, and the operation's `filter_terms` / `sort_terms`) and
returns a QueryPlan (listing.py): extra predicates, and the sort order (field, descending) if
any. The declared `filters` of an operation apply before it in any style.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailtwin.conventions.expression import expression
from mailtwin.conventions.jsonapi_filters import jsonapi
from mailtwin.listing import QueryPlan

if TYPE_CHECKING:
    from mailtwin.context import Context, QueryStyle


def plain(ctx: Context) -> QueryPlan:
    """No query language: only the declared filters."""
    return QueryPlan()


QUERY_STYLES: dict[str, QueryStyle] = {"none": plain, "expression": expression,
                                       "jsonapi": jsonapi}
