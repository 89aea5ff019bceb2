"""JSON with pre-encoded parts: rendered records are cached as bytes and spliced in."""

from __future__ import annotations

import json
from typing import Any

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Raw(bytes):
    """Bytes that already are a JSON value."""


def encode_value(value: Any) -> bytes:
    """One value as compact JSON (UTF-8)."""
    return _encode(value).encode("utf-8")


def dumps(value: Any) -> bytes:
    """Like json.dumps, but Raw parts are written as they are (only containers are walked)."""
    if isinstance(value, Raw):
        return value
    if isinstance(value, list):
        return b"[" + b",".join(dumps(item) for item in value) + b"]"
    if isinstance(value, dict):
        return b"{" + b",".join(encode_value(str(key)) + b":" + dumps(item)
                                for key, item in value.items()) + b"}"
    return encode_value(value)
