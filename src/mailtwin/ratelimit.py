"""Rate-limit headers a provider declares (`conventions.rate_limit: {limit, window}`), counted
per tenant in fixed windows of the sandbox clock and kept in the provider's shared state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailtwin.clock import Clock
    from mailtwin.provider import Provider
    from mailtwin.store import Store

DEFAULT_WINDOW = 3600


def rate_limit_headers(store: Store, clock: Clock, provider: Provider | None,
                       tenant: str | None, given: Mapping[str, str] | None = None
                       ) -> list[tuple[str, str]]:
    """`X-RateLimit-Limit / -Remaining / -Reset` (reset as Unix seconds) for one answer; an
    answer that names no tenant (no credentials) counts against nobody, and an answer that
    already carries the headers (an injected 429) keeps its own."""
    declared = provider.spec.ext["conventions"].get("rate_limit") if provider else None
    if provider is None or declared is None:
        return []
    limit = int(declared["limit"])
    window = int(declared.get("window", DEFAULT_WINDOW))
    now = clock.timestamp()
    start, used = now, 0
    if tenant is not None:
        counts = store.shared_state(provider.name).setdefault("rate_limit", {})
        start, used = counts.get(tenant, (now, 0))
        if now >= start + window:
            start, used = now, 0
        used += 1
        counts[tenant] = (start, used)
    if given and "x-ratelimit-limit" in given:
        return []
    return [("x-ratelimit-limit", str(limit)),
            ("x-ratelimit-remaining", str(max(0, limit - used))),
            ("x-ratelimit-reset", str(int(start + window)))]


def forget_tenant(store: Store, provider: str, tenant: str) -> None:
    """Drop the count of a tenant that is gone (evicted)."""
    counts = store.shared.get(provider, {}).get("rate_limit")
    if isinstance(counts, dict):
        counts.pop(tenant, None)
