"""Cursors beside page numbers: where an operation documents a `cursor` query parameter, the
`page` style answers `pagination.cursor = {"previous", "next"}` and reads `?cursor=` back.

A cursor is an opaque text holding the offset of the first record of a page
(`b2Zmc2V0OjUw` is `offset:50`); an unreadable one is a 400 naming the parameter.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from mailtwin.errors import ApiError, Problem
from mailtwin.listing import Listing

if TYPE_CHECKING:
    from mailtwin.context import Context


def documents_cursor(ctx: Context) -> bool:
    """Whether the operation declares a `cursor` query parameter."""
    return "cursor" in ctx.op.query_params.specs


def encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def offset_of(ctx: Context, default: int) -> int:
    """The offset a `?cursor=` names, or `default` when there is none."""
    raw = ctx.query.get("cursor")
    if not documents_cursor(ctx) or not isinstance(raw, str) or not raw:
        return default
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        label, _, number = text.partition(":")
        if label != "offset" or not number.isdigit():
            raise ValueError(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(400, [Problem(("query", "cursor"), "not a cursor this API gave out",
                                     "bad_request")]) from None
    return int(number)


def window(listing: Listing, offset: int, size: int, raw: bool
           ) -> tuple[list[Any], dict[str, Any]]:
    """A page and the cursors of the pages before and after it (one pass over the records:
    one record past the page tells whether a next page exists)."""
    rows = listing.window(offset, size + 1, raw)
    cursors = {"previous": encode(max(0, offset - size)) if offset > 0 else None,
               "next": encode(offset + size) if len(rows) > size else None}
    return rows[:size], cursors
