"""OAuth 2 tokens a provider issues, kept in its shared state and timed by the sandbox clock.

An access token names its grant's tenant until it expires. A refresh token may be presented
any number of times until it expires: tools keep the token they were configured with, and
several authenticators of one process present it at once, so using one revokes nothing.
A store keeps at most `limit` tokens: past it, expired ones are dropped, then the oldest.
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
    # Who obtained it (a login name), where the provider tells users of a tenant apart.
    subject: str = ""

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
                       "lifetime": {"type": ["integer", "null"]},
                       "subject": {"type": "string"}}}}},
}

# Lifetimes when a provider's `oauth2` convention declares none, in seconds.
ACCESS_LIFETIME = 3600
REFRESH_LIFETIME = 14 * 86400
# Tokens a store keeps when its owner gives no limit.
LIMIT = 100_000


class TokenStore:
    """The tokens one provider issued: `{token: {kind, tenant, expires, scope, lifetime}}`,
    as JSON so they travel with snapshots and state files; lifetimes as the provider's
    `conventions.auth` declares them (`access_lifetime`, `refresh_lifetime`, null: never
    expires)."""

    def __init__(self, shared: dict[str, Any], settings: Mapping[str, Any] | None = None,
                 limit: int = LIMIT) -> None:
        self._tokens: dict[str, dict[str, Any]] = shared.setdefault("tokens", {})
        self.limit = limit
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
                     str(entry.get("scope") or ""), entry.get("lifetime"),
                     str(entry.get("subject") or ""))

    def issue(self, tenant: str, now: float, scope: str = "", lifetime: int | None = None,
              subject: str = "") -> tuple[str, str, int]:
        """A new access token and refresh token for a tenant (obtained by `subject`), and the
        access token's lifetime (the declared one unless given)."""
        seconds = self.access_lifetime if lifetime is None else lifetime
        self._make_room(now, 2)
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        extra = {"subject": subject} if subject else {}
        self._tokens[access] = {"kind": ACCESS, "tenant": tenant, "expires": now + seconds,
                                "scope": scope, "lifetime": seconds, **extra}
        self._tokens[refresh] = {
            "kind": REFRESH, "tenant": tenant, "scope": scope, "lifetime": seconds, **extra,
            "expires": None if self.refresh_lifetime is None else now + self.refresh_lifetime}
        return access, refresh, seconds

    def __len__(self) -> int:
        return len(self._tokens)

    def _make_room(self, now: float, count: int) -> None:
        """Keep `count` places free under the limit: drop expired tokens, then the oldest
        (a tenth of the limit at once, so a full store is swept rarely)."""
        if len(self._tokens) + count <= self.limit:
            return
        for token in [t for t, e in self._tokens.items()
                      if e["expires"] is not None and e["expires"] <= now]:
            del self._tokens[token]
        excess = len(self._tokens) + count - self.limit
        if excess > 0:
            for token in list(self._tokens)[:max(excess, self.limit // 10)]:
                del self._tokens[token]

    def revoke(self, token: str) -> None:
        """Forget a token (a refresh token that may be used once)."""
        self._tokens.pop(token, None)
