"""JSON:API cursor pagination: `page[size]`, `page[after]` / `page[before]` cursors and
absolute `links.first` / `links.prev` / `links.next` (no `next` on the last page)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from mailtwin.conventions.jsonapi import fragments
from mailtwin.errors import ApiError, Problem
from mailtwin.listing import Listing
from mailtwin.rawjson import Raw
from mailtwin.reply import Reply
from mailtwin.validation import parse_query

if TYPE_CHECKING:
    from mailtwin.context import Context

SIZE, AFTER, BEFORE = "page[size]", "page[after]", "page[before]"


def encode_cursor(offset: int) -> str:
    """The cursor of a position in the list (its offset, as digits)."""
    return str(offset)


def decode_cursor(name: str, text: str) -> int:
    """The position a cursor names; a 400 on the parameter for anything else."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ApiError(400, [Problem(("query", name), f"{name} is not a cursor this server "
                                     "issued", "bad_request")])
    return int(text)


def _size(ctx: Context, options: dict[str, Any]) -> int:
    value = ctx.query.get(SIZE, int(options.get("default", 50)))
    limit = int(options.get("max", 1000))
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise ApiError(400, [Problem(("query", SIZE), f"{SIZE} must be an integer from 1 to "
                                     f"{limit}", "bad_request")])
    return value


def _link(ctx: Context, kept: list[tuple[str, str]], cursor: tuple[str, str] | None) -> str:
    pairs = [*kept, cursor] if cursor else kept
    return ctx.url(ctx.raw_path, urlencode(pairs, safe=":,"))


def _kept_pairs(ctx: Context) -> list[tuple[str, str]]:
    """The request's parameters without cursors, each name once (clients re-append theirs)."""
    seen: set[str] = set()
    kept = []
    for name, value in parse_query(ctx.raw_query.encode("latin-1")):
        if name in (AFTER, BEFORE) or name in seen:
            continue
        seen.add(name)
        kept.append((name, value))
    return kept


def cursor_page(ctx: Context, listing: Listing, options: dict[str, Any]) -> Reply:
    """`{"data": [resource objects], "links": {...}, "meta": {"count"}}`."""
    resource = ctx.op.resource
    assert resource is not None, "a list operation has a resource"
    size = _size(ctx, options)
    start = 0
    if AFTER in ctx.query:
        start = decode_cursor(AFTER, str(ctx.query[AFTER]))
    elif BEFORE in ctx.query:
        end = decode_cursor(BEFORE, str(ctx.query[BEFORE]))
        start, size = max(0, end - size), min(size, end)
    # The index counts matches without walking them; only the page itself is matched.
    total = listing.total()
    records = ctx.tenant.collections[resource.name].records
    shown = fragments(ctx, resource)
    items = [shown(records[ident]) for ident in listing.ids_window(start, size)]
    kept = _kept_pairs(ctx)
    links: dict[str, str] = {"first": _link(ctx, kept, None)}
    if start > 0:
        links["prev"] = _link(ctx, kept, (BEFORE, encode_cursor(start)))
    if items and start + len(items) < total:
        links["next"] = _link(ctx, kept, (AFTER, encode_cursor(start + len(items))))
    body: dict[str, Any] = {"data": Raw(b"[" + b",".join(items) + b"]"), "links": links}
    if str(ctx.query.get("count", "true")).lower() not in ("false", "0"):
        body["meta"] = {"count": total, "count_truncated": False}
    return Reply(200, body, spliced=True)
