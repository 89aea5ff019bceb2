"""Auth schemes by name: read the credentials of a request and name its tenant.

Every scheme checks them against the credentials the provider knows (credentials.py): a known
user's password must match; unknown credentials are, in open mode, a tenant keyed by the
whole credential (a raw bearer token is its own tenant) and, in strict mode, refused.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING

from mailtwin.credentials import CredentialError, well_formed_token
from mailtwin.errors import ApiError, Problem
from mailtwin.oauth2 import ACCESS

if TYPE_CHECKING:
    from mailtwin.context import AuthContext

Scheme = Callable[["AuthContext"], str]


def _unauthorized(message: str, challenge: str) -> ApiError:
    return ApiError(401, [Problem(("header", "authorization"), message, "unauthorized")],
                    title="Unauthorized", headers={"www-authenticate": challenge})


def basic(auth: AuthContext) -> str:
    """HTTP Basic: a known user with its password acts as its tenant; other non-empty
    credentials, in open mode, as the tenant of user and password together. The 401's
    challenge names the declared `realm` (default `api`)."""
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
    try:
        return auth.credentials.tenant_for(user, password)
    except CredentialError as error:
        raise _basic_refusal(auth, f"invalid HTTP Basic credentials: {error.message}"
                             ) from None


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


def raw_token_tenant(auth: AuthContext, token: str, refused: str) -> str:
    """The tenant of a token the provider never issued: a declared token's; in open mode a
    well-formed token names its own (never a tenant a declared credential names); else a
    401 with the `refused` message."""
    known = auth.credentials
    declared = known.tenant_of_token(token)
    if declared is not None:
        return declared
    if known.strict or not well_formed_token(token) or known.claims(token):
        raise _unauthorized(refused, auth.settings.get("challenge", "Bearer"))
    return token


def bearer(auth: AuthContext) -> str:
    """Bearer tokens: a declared token's tenant; in open mode any other well-formed token
    names its own tenant."""
    return raw_token_tenant(auth, bearer_token(auth.headers), "the bearer token is not valid")


def oauth2(auth: AuthContext) -> str:
    """OAuth 2 bearer tokens: a token the provider issued names its grant's tenant until it
    expires (on the sandbox clock); any other token is taken as `bearer` takes it. Refusals
    say what the declared `refused` messages say, under the declared `challenge`."""
    settings = auth.settings
    refused = settings.get("refused", {})
    try:
        token = bearer_token(auth.headers)
    except ApiError as error:
        if "missing" not in refused:
            raise
        raise _unauthorized(refused["missing"], "Bearer") from error
    grant = auth.tokens.find(token)
    if grant is None:
        return raw_token_tenant(auth, token, refused.get("invalid", "the token is not valid"))
    problem = ("not_access" if grant.kind != ACCESS
               else "expired" if not grant.live(auth.clock.timestamp()) else None)
    if problem is not None:
        message = refused.get(problem, "the access token expired or is not an access token")
        raise _unauthorized(message, settings.get("challenge", "Bearer"))
    return grant.tenant


def anonymous(auth: AuthContext) -> str:
    """No credentials: every caller shares one tenant."""
    return "default"


SCHEMES: dict[str, Scheme] = {"basic": basic, "bearer": bearer, "oauth2": oauth2,
                              "none": anonymous}
