"""Deliveries waiting for their time (a heap by due moment on the sandbox clock) and those
handed out for an attempt, with the rate-limit windows of their subscriptions; bounded by the
sender, guarded by one condition that every waiter shares."""

from __future__ import annotations

import heapq
import math
import threading
from dataclasses import dataclass, field

from mailtwin.webhooks.declaration import WebhookSpec


@dataclass(order=True)
class Delivery:
    """One event for one subscription, until delivered or given up."""

    due: float
    seq: int
    ident: str = field(compare=False)
    spec: WebhookSpec = field(compare=False)
    tenant: str = field(compare=False)
    label: str = field(compare=False)
    webhook: str = field(compare=False)
    event: str = field(compare=False)
    url: str = field(compare=False)
    key: str = field(compare=False)
    body: bytes = field(compare=False)
    limit: int | None = field(compare=False)
    period: float | None = field(compare=False)
    attempt: int = field(default=0, compare=False)
    attempted_at: float = field(default=0.0, compare=False)
    cancelled: bool = field(default=False, compare=False)
    # A redelivery asked for by hand is one attempt, never retried.
    retries: bool = field(default=True, compare=False)
    # The headers of the latest attempt (the signature among them), for the log.
    headers: dict[str, str] = field(default_factory=dict, compare=False)

    def owned(self, provider: str | None, tenant: str | None, webhook: str | None) -> bool:
        return ((provider is None or self.spec.provider == provider)
                and (tenant is None or self.tenant == tenant)
                and (webhook is None or self.webhook == webhook))


class PendingDeliveries:
    """The waiting deliveries and those out for an attempt. Every method but those marked
    expects the caller to hold `cond`."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.waiting: list[Delivery] = []
        self.flying: dict[int, Delivery] = {}
        self.bytes = 0
        self._windows: dict[tuple[str, str, str], tuple[float, int]] = {}

    def push(self, delivery: Delivery) -> None:
        heapq.heappush(self.waiting, delivery)
        self.bytes += len(delivery.body)
        self.cond.notify_all()

    def due(self, now: float) -> bool:
        """Whether a delivery waits whose time has come."""
        return bool(self.waiting) and self.waiting[0].due <= now

    def take_due(self, now: float, most: int) -> list[Delivery]:
        """Deliveries due now, at most `most` out at once; those over their subscription's
        rate limit are put off to its next window instead."""
        taken: list[Delivery] = []
        while self.due(now) and len(self.flying) < most:
            delivery = heapq.heappop(self.waiting)
            self.bytes -= len(delivery.body)
            if self._deferred(delivery, now):
                continue
            self.flying[delivery.seq] = delivery
            taken.append(delivery)
        return taken

    def _deferred(self, delivery: Delivery, now: float) -> bool:
        """Put a delivery off to its next rate-limit window if this one is used up."""
        if delivery.limit is None or not delivery.period:
            return False
        key = (delivery.spec.provider, delivery.tenant, delivery.webhook)
        start = math.floor(now / delivery.period) * delivery.period
        window_start, used = self._windows.get(key, (start, 0))
        if window_start != start:
            used = 0
        if used >= delivery.limit:
            delivery.due = start + delivery.period
            heapq.heappush(self.waiting, delivery)
            self.bytes += len(delivery.body)
            return True
        self._windows[key] = (start, used + 1)
        return False

    def land(self, seq: int) -> Delivery | None:
        """The delivery out for an attempt with this number, no longer out."""
        delivery = self.flying.pop(seq, None)
        self.cond.notify_all()
        return delivery

    def land_all(self) -> list[Delivery]:
        """Every delivery out for an attempt, no longer out."""
        landed = list(self.flying.values())
        self.flying.clear()
        self.cond.notify_all()
        return landed

    def cancel(self, provider: str | None, tenant: str | None, webhook: str | None) -> int:
        """Drop waiting deliveries and mark those out as cancelled; how many were waiting."""
        dropped = [d for d in self.waiting if d.owned(provider, tenant, webhook)]
        for delivery in [*dropped, *self.flying.values()]:
            if delivery.owned(provider, tenant, webhook):
                delivery.cancelled = True
        self.waiting = [d for d in self.waiting if not d.cancelled]
        heapq.heapify(self.waiting)
        self.bytes = sum(len(d.body) for d in self.waiting)
        self.cond.notify_all()
        return len(dropped)

    def forget_windows(self, provider: str | None, tenant: str | None) -> None:
        self._windows = {key: value for key, value in self._windows.items()
                         if not ((provider is None or key[0] == provider)
                                 and (tenant is None or key[1] == tenant))}
