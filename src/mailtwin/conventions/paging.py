"""Pagination styles by name: how a list is sliced from the query and wrapped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailtwin.conventions import page_cursor
from mailtwin.conventions.cursor import cursor_page
from mailtwin.conventions.drf import drf_page
from mailtwin.errors import ApiError, Problem
from mailtwin.listing import Listing
from mailtwin.reply import Reply

if TYPE_CHECKING:
    from mailtwin.context import Context, Paginator


def _int(query: dict[str, Any], name: str, default: int, minimum: int) -> int:
    value = query.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ApiError(400, [Problem(("query", name),
                                     f"must be an integer of at least {minimum}", "bad_request")])
    return value


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


def start_end(ctx: Context, listing: Listing, options: dict[str, Any]) -> Reply:
    """`?start=0&end=500` (end exclusive, at most `max` items); `?count=true` answers the total."""
    if _flag(ctx.query.get("count")):
        return Reply(200, listing.total())
    limit = int(options.get("max", 500))
    start = _int(ctx.query, "start", 0, 0)
    end = _int(ctx.query, "end", start + limit, 0)
    if end < start:
        raise ApiError(400, [Problem(("query", "end"), "end must not be before start",
                                     "bad_request")])
    raw = listing.splices
    return Reply(200, listing.window(start, min(end - start, limit), raw), spliced=raw)


def page(ctx: Context, listing: Listing, options: dict[str, Any]) -> Reply:
    """`?page=1&per_page=50&with_count=true` -> `{"pagination": {...}, "data": [...]}`; an
    operation that documents no `page` parameter answers every match as `{"data": [...]}`."""
    raw = listing.splices
    if "page" not in ctx.op.query_params.specs:
        return Reply(200, {"data": listing.window(0, listing.total(), raw)}, spliced=raw)
    number = _int(ctx.query, "page", 1, 1)
    size = _int(ctx.query, "per_page", int(options.get("default", 50)), 1)
    size = min(size, int(options.get("max", 1000)))
    pagination: dict[str, Any] = {"page": number, "per_page": size}
    if _flag(ctx.query.get("with_count")):
        pagination["count"] = listing.total()
    offset = page_cursor.offset_of(ctx, (number - 1) * size)
    if page_cursor.documents_cursor(ctx):
        data, pagination["cursor"] = page_cursor.window(listing, offset, size, raw)
    else:
        data = listing.window(offset, size, raw)
    return Reply(200, {"pagination": pagination, "data": data}, spliced=raw)


def unpaged(ctx: Context, listing: Listing, options: dict[str, Any]) -> Reply:
    """Every match, as a bare array."""
    return Reply(200, listing.window(0, listing.total()))


PAGINATORS: dict[str, Paginator] = {"start-end": start_end, "page": page, "none": unpaged,
                                    "jsonapi-cursor": cursor_page, "drf-page": drf_page}
