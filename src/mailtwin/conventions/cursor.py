"""JSON:API cursor pagination: `page[size]`, opaque keyset cursors in `page[after]` /
`page[before]` and absolute `links.first` / `links.prev` / `links.next` (no `next` on the last
page).

A cursor names the place of a page's last (or first) item in the list's order, not an offset,
so paging resumes right after that item whatever changed meanwhile: every record that exists
for the whole paging and keeps its sort values is answered exactly once. A record whose sort
values change while a client pages is answered at most once at each place it held: again at
its new place if it moved from the pages already answered to those still ahead, not at all if
it moved the other way before its page was answered (see docs/spec-format.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from mailtwin.conventions import keyset
from mailtwin.conventions.jsonapi import fragments
from mailtwin.errors import ApiError, Problem
from mailtwin.listing import Listing
from mailtwin.rawjson import Raw
from mailtwin.reply import Reply
from mailtwin.validation import parse_query

if TYPE_CHECKING:
    from mailtwin.context import Context
    from mailtwin.resource import Resource

SIZE, AFTER, BEFORE = "page[size]", "page[after]", "page[before]"


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
    """The request's parameters without cursors, each pair once: clients re-append theirs,
    and a name repeated with other values (`filter[stage][id][]`) keeps them all."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for pair in parse_query(ctx.raw_query.encode("latin-1")):
        if pair[0] in (AFTER, BEFORE) or pair in seen:
            continue
        seen.add(pair)
        kept.append(pair)
    return kept


def _window(ctx: Context, listing: Listing, resource: Resource, size: int
            ) -> tuple[list[Any], bool, bool]:
    """The page's ids, and whether matches lie before and after them (an empty page links
    only to the first one)."""
    collection = ctx.tenant.collections[resource.name]
    if AFTER in ctx.query:
        place = keyset.decode(AFTER, str(ctx.query[AFTER]), resource.name, listing, collection)
        ids = listing.ids_after(place, size + 1)
        later, ids = len(ids) > size, ids[:size]
        earlier = bool(ids) and listing.ids_window(0, 1) != ids[:1]
        return ids, earlier, later
    if BEFORE in ctx.query:
        place = keyset.decode(BEFORE, str(ctx.query[BEFORE]), resource.name, listing,
                              collection)
        ids = listing.ids_before(place, size + 1)
        earlier, ids = len(ids) > size, ids[-size:]
        later = bool(ids) and bool(listing.ids_after(listing.rank(ids[-1]), 1))
        return ids, earlier, later
    ids = listing.ids_window(0, size + 1)
    return ids[:size], False, len(ids) > size


def cursor_page(ctx: Context, listing: Listing, options: dict[str, Any]) -> Reply:
    """`{"data": [resource objects], "links": {...}, "meta": {"count"}}`."""
    resource = ctx.op.resource
    assert resource is not None, "a list operation has a resource"
    size = _size(ctx, options)
    ids, earlier, later = _window(ctx, listing, resource, size)
    collection = ctx.tenant.collections[resource.name]
    shown = fragments(ctx, resource)
    items = [shown(collection.records[ident]) for ident in ids]
    kept = _kept_pairs(ctx)
    links: dict[str, str] = {"first": _link(ctx, kept, None)}
    if earlier:
        links["prev"] = _link(ctx, kept, (BEFORE, keyset.encode(resource.name, listing,
                                                                collection, ids[0])))
    if later:
        links["next"] = _link(ctx, kept, (AFTER, keyset.encode(resource.name, listing,
                                                               collection, ids[-1])))
    body: dict[str, Any] = {"data": Raw(b"[" + b",".join(items) + b"]"), "links": links}
    if str(ctx.query.get("count", "true")).lower() not in ("false", "0"):
        body["meta"] = {"count": listing.total(), "count_truncated": False}
    return Reply(200, body, spliced=True)
