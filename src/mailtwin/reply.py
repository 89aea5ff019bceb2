"""What a handler returns (Reply), and a reply's body as bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mailtwin import rawjson


@dataclass
class Reply:
    """An answer: status, a JSON-ready body (or raw bytes), extra headers, media type."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str | None = None
    raw: bytes | None = None
    spliced: bool = False  # the body holds rawjson.Raw parts


def without_nulls(value: Any) -> Any:
    """A copy without null members of objects, at any depth (array items are kept)."""
    if isinstance(value, dict):
        # Only containers are walked into: most members are scalars, kept as they are.
        return {k: without_nulls(v) if type(v) in _CONTAINERS else v
                for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) if type(v) in _CONTAINERS else v for v in value]
    return value


_CONTAINERS = frozenset({dict, list})


def encode_for(omit_nulls: bool, reply: Reply) -> bytes:
    """A reply's body as bytes, in a provider's style (which may leave nulls out; the cached
    JSON a spliced body holds was rendered that way already)."""
    if omit_nulls and reply.raw is None:
        reply.body = without_nulls(reply.body)
    return encode(reply)


def encode(reply: Reply) -> bytes:
    """A reply's body as bytes."""
    if reply.raw is not None:
        return reply.raw
    if reply.status == 204 and reply.body is None:
        return b""
    if reply.spliced:
        return rawjson.dumps(reply.body)
    return json.dumps(reply.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
