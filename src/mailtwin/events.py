"""Events: what happened in the sandbox (a lifecycle move, a message a hook sent), kept in a
bounded log and handed to subscribers (delivery, webhooks, the dashboard)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Subscriber = Callable[["Event"], None]


@dataclass(frozen=True)
class Event:
    """One thing that happened: its kind (`moved`, `email.sent`), where and when (sandbox
    clock, seconds since the epoch), and what about it."""

    kind: str
    provider: str
    tenant: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0

    def describe(self) -> dict[str, Any]:
        """A JSON-ready view of the event."""
        return {"seq": self.seq, "kind": self.kind, "provider": self.provider,
                "tenant": self.tenant, "at": self.at, "data": self.data}


class SubscriberLimit(Exception):
    """More subscribers than the bus takes."""


class EventBus:
    """The last `limit` events, oldest first, and at most `max_subscribers` subscribers, each
    called with every event as it is emitted."""

    def __init__(self, limit: int = 1000, max_subscribers: int = 32) -> None:
        self.limit = limit
        self.max_subscribers = max_subscribers
        self.events: deque[Event] = deque(maxlen=limit)
        self.subscribers: list[Subscriber] = []
        self._seq = 0

    def emit(self, kind: str, provider: str, tenant: str, at: float,
             data: dict[str, Any] | None = None) -> Event:
        """Log an event and hand it to every subscriber; returns it (numbered)."""
        self._seq += 1
        event = Event(kind, provider, tenant, at, dict(data or {}), self._seq)
        self.events.append(event)
        for subscriber in list(self.subscribers):
            subscriber(event)
        return event

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber` with every event from now on; returns the call that stops it."""
        if len(self.subscribers) >= self.max_subscribers:
            raise SubscriberLimit(f"the event bus takes at most {self.max_subscribers} "
                                  "subscribers")
        self.subscribers.append(subscriber)

        def stop() -> None:
            if subscriber in self.subscribers:
                self.subscribers.remove(subscriber)

        return stop

    def since(self, seq: int = 0, kind: str | None = None) -> list[Event]:
        """Logged events numbered above `seq` (of one kind when given), oldest first."""
        return [e for e in self.events if e.seq > seq and (kind is None or e.kind == kind)]

    def clear(self) -> None:
        """Forget logged events (subscribers stay; numbering goes on)."""
        self.events.clear()
