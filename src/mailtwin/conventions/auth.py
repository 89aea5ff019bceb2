"""Auth schemes by name: read the credentials of a request and name its tenant."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from mailtwin.errors import ApiError, Problem

Authenticator = Callable[[dict[str, str]], str]


def _unauthorized(message: str, challenge: str) -> ApiError:
    return ApiError(401, [Problem(("header", "authorization"), message, "unauthorized")],
                    title="Unauthorized", headers={"www-authenticate": challenge})


def basic(headers: dict[str, str]) -> str:
    """HTTP Basic: any non-empty user and password; the user (public key) is the tenant."""
    value = headers.get("authorization", "")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise _unauthorized("HTTP Basic credentials are required", 'Basic realm="api"')
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _unauthorized("invalid HTTP Basic credentials", 'Basic realm="api"') from None
    if not sep or not user or not password:
        raise _unauthorized("invalid HTTP Basic credentials", 'Basic realm="api"')
    return user


def bearer(headers: dict[str, str]) -> str:
    """Bearer tokens: any non-empty token; the token itself names the tenant."""
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("a bearer token is required", "Bearer")
    return token


def anonymous(headers: dict[str, str]) -> str:
    """No credentials: every caller shares one tenant."""
    return "default"


SCHEMES: dict[str, Authenticator] = {"basic": basic, "bearer": bearer, "none": anonymous}
