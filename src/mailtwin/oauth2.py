"""OAuth 2 tokens a provider issues, kept in its shared state and timed by the sandbox clock.

An access token names its grant's tenant until it expires. A refresh token may be presented
any number of times until it expires: tools keep the token they were configured with, and
several authenticators of one process present it at once, so using one revokes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ACCESS, REFRESH = "access", "refresh"


@dataclass(frozen=True)
class Grant:
    """What an issued token stands for."""

    kind: str
    tenant: str
    expires: float | None
    scope: str = ""
    # Seconds the access tokens of this grant live (a refresh grants the same again).
    lifetime: int | None = None

    def live(self, now: float) -> bool:
        """True until the token's expiry (a token without one never expires)."""
        return self.expires is None or now < self.expires


# The shape of the tokens in a provider's shared state (checked on state imports).
SHARED_TOKENS: dict[str, Any] = {
    "type": "object",
    "properties": {"tokens": {"type": "object", "additionalProperties": {
        "type": "object", "required": ["kind", "tenant", "expires"],
        "properties": {"kind": {"enum": [ACCESS, REFRESH]}, "tenant": {"type": "string"},
                       "expires": {"type": ["number", "null"]}, "scope": {"type": "string"},
                       "lifetime": {"type": ["integer", "null"]}}}}},
}

# Lifetimes when a provider's `oauth2` convention declares none, in seconds.
ACCESS_LIFETIME = 3600
REFRESH_LIFETIME = 14 * 86400


class TokenStore:
    """The tokens one provider issued: `{token: {kind, tenant, expires, scope, lifetime}}`,
    as JSON so they travel with snapshots and state files; lifetimes as the provider's
    `conventions.auth` declares them (`access_lifetime`, `refresh_lifetime`, null: never
    expires)."""

    def __init__(self, shared: dict[str, Any], settings: Mapping[str, Any] | None = None
                 ) -> None:
        self._tokens: dict[str, dict[str, Any]] = shared.setdefault("tokens", {})
        settings = settings or {}
        self.access_lifetime = int(settings.get("access_lifetime", ACCESS_LIFETIME))
        refresh = settings.get("refresh_lifetime", REFRESH_LIFETIME)
        self.refresh_lifetime: int | None = None if refresh is None else int(refresh)

    def find(self, token: str) -> Grant | None:
        """The grant of a token this store issued; None for any other token."""
        entry = self._tokens.get(token)
        if entry is None:
            return None
        return Grant(str(entry["kind"]), str(entry["tenant"]), entry["expires"],
                     str(entry.get("scope") or ""), entry.get("lifetime"))

    def issue(self, tenant: str, now: float, scope: str = "", lifetime: int | None = None
              ) -> tuple[str, str, int]:
        """A new access token and refresh token for a tenant, and the access token's
        lifetime (the declared one unless given)."""
        seconds = self.access_lifetime if lifetime is None else lifetime
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._tokens[access] = {"kind": ACCESS, "tenant": tenant, "expires": now + seconds,
                                "scope": scope, "lifetime": seconds}
        self._tokens[refresh] = {
            "kind": REFRESH, "tenant": tenant, "scope": scope, "lifetime": seconds,
            "expires": None if self.refresh_lifetime is None else now + self.refresh_lifetime}
        return access, refresh, seconds

    def revoke(self, token: str) -> None:
        """Forget a token (a refresh token that may be used once)."""
        self._tokens.pop(token, None)
