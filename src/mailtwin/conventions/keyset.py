"""Opaque keyset cursors: the place of a list's item in the list's order, as base64url text.

A cursor is the unpadded base64url of compact JSON naming the resource (`r`), the order it
belongs to (`o`: sort terms as `[field, descending]`, `t`: ties newest first), and the item's
place in it: its sort values (`k`, as `[kind, value]`), its id (`i`) and its rank in the
collection's insertion order (`p`). A page resumes after that place, wherever the item is now.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from mailtwin.errors import ApiError, Problem
from mailtwin.listing import Listing, Rank
from mailtwin.rawjson import encode_value
from mailtwin.store import Collection


def encode(resource: str, listing: Listing, collection: Collection, ident: Any) -> str:
    """The cursor of a stored record's place in the listing's order."""
    order = listing.order
    payload = {"r": resource, "o": [list(term) for term in order.terms], "t": order.reverse,
               "k": [list(value) for value in order.values(collection.records[ident])],
               "i": ident, "p": collection.positions[ident]}
    return base64.urlsafe_b64encode(encode_value(payload)).decode().rstrip("=")


def _refused(name: str, message: str) -> ApiError:
    return ApiError(400, [Problem(("query", name), message, "bad_request")])


def _payload(name: str, text: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        raise _refused(name, f"{name} is not a cursor this server gave out")
    return payload


def _sort_value(item: Any) -> tuple[int, Any] | None:
    """A `[kind, value]` pair as listing.sort_value makes them, or None."""
    if not isinstance(item, list) or len(item) != 2 or item[0] not in (0, 1, 2):
        return None
    kind, value = item
    if isinstance(kind, bool):
        return None
    if kind == 0 and value == "":
        return (0, "")
    if kind == 1 and isinstance(value, bool | int | float) and math.isfinite(value):
        return (1, value)
    if kind == 2 and isinstance(value, str):
        return (2, value)
    return None


def decode(name: str, text: str, resource: str, listing: Listing, collection: Collection
           ) -> Rank:
    """The place a cursor names in the listing's order; a 400 on the parameter for a cursor
    that is unreadable or was given out for another resource or order."""
    payload = _payload(name, text.strip())
    order = listing.order
    if (payload.get("r") != resource or payload.get("t") is not order.reverse
            or payload.get("o") != [list(term) for term in order.terms]):
        raise _refused(name, f"{name} is a cursor of another list or sort order; follow the "
                             "links of this list")
    values = [_sort_value(item) for item in payload.get("k") or []]
    position, ident = payload.get("p"), payload.get("i")
    if (len(values) != len(order.terms) or any(value is None for value in values)
            or isinstance(position, bool) or not isinstance(position, int) or position < 0
            or isinstance(ident, bool) or not isinstance(ident, int | str)):
        raise _refused(name, f"{name} is not a cursor this server gave out")
    # A record still stored keeps its rank, which a state import may have renumbered.
    position = collection.positions.get(ident, position)
    return order.rank([value for value in values if value is not None], position)
