"""OAuth 2 tokens a provider issues, kept in its shared state and timed by the sandbox clock.

An access token names its grant's tenant until it expires. A refresh token may be presented
any number of times until it expires: tools keep the token they were configured with, and
several authenticators of one process present it at once, so using one revokes nothing.
"""

from __future__ import annotations

import secrets
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

    def live(self, now: float) -> bool:
        """True until the token's expiry (a token without one never expires)."""
        return self.expires is None or now < self.expires


class TokenStore:
    """The tokens one provider issued: `{token: {kind, tenant, expires, scope}}`, as JSON so
    they travel with snapshots and state files."""

    def __init__(self, shared: dict[str, Any]) -> None:
        self._tokens: dict[str, dict[str, Any]] = shared.setdefault("tokens", {})

    def find(self, token: str) -> Grant | None:
        """The grant of a token this store issued; None for any other token."""
        entry = self._tokens.get(token)
        if entry is None:
            return None
        return Grant(str(entry["kind"]), str(entry["tenant"]), entry["expires"],
                     str(entry.get("scope") or ""))

    def issue(self, tenant: str, now: float, access_lifetime: int,
              refresh_lifetime: int | None, scope: str = "") -> tuple[str, str]:
        """A new access token and refresh token for a tenant."""
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._tokens[access] = {"kind": ACCESS, "tenant": tenant,
                                "expires": now + access_lifetime, "scope": scope}
        self._tokens[refresh] = {
            "kind": REFRESH, "tenant": tenant, "scope": scope,
            "expires": None if refresh_lifetime is None else now + refresh_lifetime}
        return access, refresh
