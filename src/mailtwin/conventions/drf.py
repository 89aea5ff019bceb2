"""Django REST framework page-number pagination: `?page=N` (and `page_size` up to `max`) ->
`{"count", "next", "previous", "results"}` with absolute page URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from mailtwin.errors import ApiError, Problem
from mailtwin.listing import Listing
from mailtwin.reply import Reply
from mailtwin.validation import parse_query

if TYPE_CHECKING:
    from mailtwin.context import Context


def _invalid_page() -> ApiError:
    return ApiError(404, [Problem((), "Invalid page.", "not_found")],
                    title="Not Found")


def _positive(value: Any) -> int | None:
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text) if int(text) > 0 else None


def _page_url(ctx: Context, number: int) -> str:
    """This URL with `page` set to `number` (removed for the first page, as DRF does)."""
    pairs = [(k, v) for k, v in parse_query(ctx.raw_query.encode("latin-1")) if k != "page"]
    if number > 1:
        pairs.append(("page", str(number)))
    return ctx.url(ctx.raw_path, urlencode(pairs))


def drf_page(ctx: Context, listing: Listing, options: dict[str, Any]) -> Reply:
    """One page of results; a page past the end (or not a number) is DRF's 404."""
    number = _positive(ctx.query.get("page", 1))
    size = _positive(ctx.query.get("page_size", options.get("default", 100)))
    if number is None:
        raise _invalid_page()
    if size is None:
        raise ApiError(400, [Problem(("query", "page_size"), "A positive integer is required.",
                                     "bad_request")])
    size = min(size, int(options.get("max", 1000)))
    total = listing.total()
    last = max(1, -(-total // size))
    if number > last:
        raise _invalid_page()
    start = (number - 1) * size
    raw = listing.splices
    return Reply(200, {
        "count": total,
        "next": _page_url(ctx, number + 1) if number < last else None,
        "previous": _page_url(ctx, number - 1) if number > 1 else None,
        "results": listing.window(start, size, raw),
    }, spliced=raw)
