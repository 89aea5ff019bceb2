"""Webhook signatures: HMAC-SHA256 of the raw body with the subscription's key, written in
base64 or hex.

    >>> sign("k", b"{}", "hex")[:12]
    'add853b103fb'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

ENCODINGS: dict[str, Callable[[bytes], str]] = {
    "base64": lambda digest: base64.b64encode(digest).decode("ascii"),
    "hex": lambda digest: digest.hex(),
}


def sign(key: str, body: bytes, encoding: str = "base64") -> str:
    """The signature of a body with a key."""
    digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()
    return ENCODINGS[encoding](digest)


def verify(key: str, body: bytes, signature: str, encoding: str = "base64") -> bool:
    """Whether a signature is the body's with this key (compared in constant time)."""
    return hmac.compare_digest(sign(key, body, encoding).encode("ascii"),
                               signature.encode("ascii", "replace"))
