"""Secrets as the control plane shows them: `***:` and the first 8 hex digits of their SHA-256,
so a test can still match a value it knows (`redacted("s3cret")`) without the plain text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

PREFIX = "***:"
# Field names (snake_case after normalising) whose values are secrets.
SECRET_NAMES = frozenset({
    "password", "passwd", "secret", "client_secret", "token", "access_token", "refresh_token",
    "id_token", "code", "totp", "otp", "api_key", "apikey", "private_key", "qr_code",
    "authorization", "cookie", "session_id",
})
SECRET_SUFFIXES = ("_password", "_secret", "_token", "_api_key", "_private_key")
# Containers of secrets: their non-field keys and their scalar values are redacted.
SECRET_CONTAINERS = frozenset({"passwords", "secrets", "tokens", "codes", "recovery_codes"})
SECRET_HEADER_WORDS = ("auth", "cookie", "token", "secret", "api-key", "apikey", "password",
                       "session")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_FIELD = re.compile(r"[a-z]{1,40}(?:_[a-z]{1,40}){0,5}|[a-z]{1,20}(?:[A-Z][a-z]{1,20}){1,5}")


def redacted(value: Any) -> str:
    """`***:` and the first 8 hex digits of the SHA-256 of the value's text."""
    text = value if isinstance(value, str) else str(value)
    return PREFIX + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


@lru_cache(maxsize=8192)
def _kind(name: str) -> tuple[bool, bool, bool]:
    """Whether a key names a secret, a container of secrets, and is a plain field name."""
    normal = _CAMEL.sub("_", name).lower().replace("-", "_")
    secret = normal in SECRET_NAMES or normal.endswith(SECRET_SUFFIXES)
    return secret, normal in SECRET_CONTAINERS, bool(_FIELD.fullmatch(name))


def is_secret(name: str) -> bool:
    """True for a field name whose value is a secret (`password`, `refreshToken`, ...)."""
    return _kind(name)[0]


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def value(data: Any, known: Collection[str] = ()) -> Any:
    """A copy of a JSON value with secret fields, secret containers and the `known` secret
    strings (tenant names that are tokens) redacted, keys and values alike."""
    return _walk(data, known, False)


def _walk(data: Any, known: Collection[str], hidden: bool) -> Any:
    if isinstance(data, dict):
        out = {}
        for key, item in data.items():
            name = key if isinstance(key, str) else str(key)
            secret, container, field = _kind(name)
            # In a container of secrets, only field names and ids stay readable as keys.
            shown = redacted(name) if name in known or (
                hidden and not field and not name.isdigit()) else key
            if secret or (hidden and not field):
                out[shown] = redacted(item) if _scalar(item) else _walk(item, known, True)
            elif isinstance(item, dict | list | tuple):
                out[shown] = _walk(item, known, hidden or container)
            elif isinstance(item, str) and item in known:
                out[shown] = redacted(item)
            else:
                out[shown] = item
        return out
    if isinstance(data, list | tuple):
        return [redacted(item) if hidden and _scalar(item) else _walk(item, known, hidden)
                for item in data]
    if isinstance(data, str) and data in known:
        return redacted(data)
    return data


def headers(given: dict[str, str]) -> dict[str, str]:
    """Headers with the values of credential-like ones redacted."""
    return {name: redacted(text) if any(word in name.lower() for word in SECRET_HEADER_WORDS)
            else text for name, text in given.items()}


def form(text: str) -> str:
    """A URL-encoded form or query string with secret fields redacted."""
    if not text:
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(is_secret(name) for name, _ in pairs):
        return text
    return urlencode([(name, redacted(item) if is_secret(name) else item)
                      for name, item in pairs], safe="*:")


def bearer_token(given: dict[str, str]) -> str | None:
    """The bearer token of a request's headers, if it has one."""
    scheme, _, token = given.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def tenant(name: str | None, given: dict[str, str]) -> str | None:
    """A tenant name as shown: redacted when the request's bearer token named it."""
    token = bearer_token(given)
    if name is not None and token is not None and name.startswith(token):
        return redacted(name)
    return name
