"""Fault rules: added latency, provider errors, rate limits and dropped connections, seeded."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mailtwin.errors import ApiError, Problem
from mailtwin.reply import Reply

if TYPE_CHECKING:
    from mailtwin.provider import Provider
    from mailtwin.request import Request


@dataclass
class FaultRule:
    """Which requests a fault hits, what it does, how likely and how many times."""

    id: int
    effect: str
    provider: str | None = None
    method: str | None = None
    path: str | None = None
    tenant: str | None = None
    latency_ms: float | list[float] | None = None
    status: int | None = None
    message: str | None = None
    retry_after: int = 1
    limit: int = 100
    probability: float = 1.0
    count: int | None = None
    seed: int = 0
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)
    pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.pattern = _glob(self.path) if self.path else None
        if self.method:
            self.method = self.method.upper()

    def matches(self, provider: str, method: str, path: str, tenant: str | None) -> bool:
        return ((self.provider is None or self.provider == provider)
                and (self.method is None or self.method == method)
                and (self.tenant is None or self.tenant == tenant)
                and (self.pattern is None or self.pattern.fullmatch(path) is not None))

    def delay(self) -> float:
        """Seconds to wait before answering (a fixed value or a seeded pick in a range)."""
        if self.latency_ms is None:
            return 0.0
        if isinstance(self.latency_ms, list):
            low, high = self.latency_ms
            return self.rng.uniform(low, high) / 1000
        return self.latency_ms / 1000

    def describe(self) -> dict[str, Any]:
        """A JSON-ready view of the rule."""
        out: dict[str, Any] = {
            "id": self.id, "effect": self.effect, "provider": self.provider,
            "method": self.method, "path": self.path, "tenant": self.tenant,
            "latency_ms": self.latency_ms, "probability": self.probability,
            "count": self.count, "hits": self.hits, "seed": self.seed}
        if self.effect == "error":
            out.update(status=self.status, message=self.message)
        if self.effect == "rate_limit":
            out.update(retry_after=self.retry_after, limit=self.limit)
        return out


def _glob(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))


@dataclass
class Decision:
    """What a matching rule does to one request: wait, then answer instead, or drop it."""

    rule: FaultRule
    delay: float
    reply: Reply | None
    drop: bool
    provider: Provider
    tenant: str | None


def _error(rule: FaultRule, provider: Provider, now: float) -> Reply:
    status = rule.status or 500
    message = rule.message or f"fault injected by the sandbox (status {status})"
    error = ApiError(status, [Problem((), message, "fault")])
    return Reply(status, provider.render_error(error))


def _rate_limit(rule: FaultRule, provider: Provider, now: float) -> Reply:
    message = rule.message or f"rate limit exceeded, retry after {rule.retry_after} s"
    error = ApiError(429, [Problem((), message, "rate_limited")], title="Too Many Requests")
    headers = {"retry-after": str(rule.retry_after), "x-ratelimit-limit": str(rule.limit),
               "x-ratelimit-remaining": "0",
               "x-ratelimit-reset": str(int(now) + rule.retry_after)}
    return Reply(429, provider.render_error(error), headers)


def _none(rule: FaultRule, provider: Provider, now: float) -> Reply | None:
    return None


# Effect name -> the reply it puts in place of the real answer (None: the real answer).
EFFECTS: dict[str, Callable[[FaultRule, Provider, float], Reply | None]] = {
    "latency": _none,
    "drop": _none,
    "error": _error,
    "rate_limit": _rate_limit,
}


class Faults:
    """The fault rules of one sandbox, checked in the order they were added."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rules: list[FaultRule] = []
        self._next = 0

    def add(self, **fields: Any) -> FaultRule:
        """A new rule; its random draws are seeded from the sandbox seed and its id."""
        self._next += 1
        fields.setdefault("seed", self.seed * 1_000_003 + self._next)
        rule = FaultRule(id=self._next, **fields)
        self.rules.append(rule)
        return rule

    def remove(self, ident: int) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != ident]
        return len(self.rules) != before

    def clear(self) -> None:
        """No rules, ids from 1 again, so reruns draw the same numbers."""
        self.rules = []
        self._next = 0

    def decide(self, request: Request, provider: Provider | None,
               tenant_of: Callable[[], str | None], now: float) -> Decision | None:
        """The first live rule that matches and fires for this request, counted once;
        `tenant_of` gives the tenant the request would act as (None without credentials)."""
        if not self.rules or provider is None:
            return None
        tenant = tenant_of()
        for rule in list(self.rules):
            if not rule.matches(provider.name, request.method, request.path, tenant):
                continue
            if rule.probability < 1.0 and rule.rng.random() >= rule.probability:
                continue
            rule.hits += 1
            if rule.count is not None and rule.hits >= rule.count:
                self.rules.remove(rule)
            reply = EFFECTS[rule.effect](rule, provider, now)
            return Decision(rule, rule.delay(), reply, rule.effect == "drop", provider, tenant)
        return None

