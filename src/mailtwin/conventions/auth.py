"""Auth schemes by name: read the credentials of a request and name its tenant."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING

from mailtwin.errors import ApiError, Problem

if TYPE_CHECKING:
    from mailtwin.context import AuthContext

Scheme = Callable[["AuthContext"], str]


def _unauthorized(message: str, challenge: str) -> ApiError:
    return ApiError(401, [Problem(("header", "authorization"), message, "unauthorized")],
                    title="Unauthorized", headers={"www-authenticate": challenge})


def basic(auth: AuthContext) -> str:
    """HTTP Basic: any non-empty user and password; the user (public key) is the tenant. The
    401's challenge names the declared `realm` (default `api`)."""
    value = auth.headers.get("authorization", "")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise _basic_refusal(auth, "HTTP Basic credentials are required")
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _basic_refusal(auth, "invalid HTTP Basic credentials") from None
    if not sep or not user or not password:
        raise _basic_refusal(auth, "invalid HTTP Basic credentials")
    return user


def _basic_refusal(auth: AuthContext, message: str) -> ApiError:
    return _unauthorized(message, f'Basic realm="{auth.settings.get("realm", "api")}"')


def bearer_token(headers: dict[str, str]) -> str:
    """The token of an `Authorization: Bearer` header, or a 401."""
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("a bearer token is required", "Bearer")
    return token


def bearer(auth: AuthContext) -> str:
    """Bearer tokens: any non-empty token; the token itself names the tenant."""
    return bearer_token(auth.headers)


def anonymous(auth: AuthContext) -> str:
    """No credentials: every caller shares one tenant."""
    return "default"


SCHEMES: dict[str, Scheme] = {"basic": basic, "bearer": bearer, "none": anonymous}
