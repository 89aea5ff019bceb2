"""Events: what happened in the sandbox. The EventBus keeps the last ones and hands each to its
subscribers inside the sandbox (move listeners' kin: delivery, webhooks); the EventHub fans
events out to live followers (the control plane's stream, the dashboard), each one a bounded
queue, oldest dropped first."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Events a follower may fall behind by before the oldest are dropped.
QUEUE_LIMIT = 1000


@dataclass(frozen=True)
class Event:
    """One event: its kind (`request`, `move`, `control`, `gap` for followers; `moved`, or
    what a hook emits, such as `email.sent`, on the bus), JSON-ready data, and for bus events
    where and when (sandbox clock, seconds since the epoch) and its number."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    provider: str = ""
    tenant: str = ""
    at: float = 0.0
    seq: int = 0

    def describe(self) -> dict[str, Any]:
        """A JSON-ready view of a bus event."""
        return {"seq": self.seq, "kind": self.kind, "provider": self.provider,
                "tenant": self.tenant, "at": self.at, "data": self.data}


Subscriber = Callable[[Event], None]


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
        event = Event(kind, dict(data or {}), provider, tenant, at, self._seq)
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


class Subscription:
    """One follower's queue; a slow follower loses the oldest events and is told how many."""

    def __init__(self, hub: EventHub, limit: int) -> None:
        self._hub = hub
        self._queue: deque[Event] = deque(maxlen=limit)
        self._dropped = 0
        self._lock = threading.Lock()
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self.closed = False

    def put(self, event: Event) -> None:
        """Queue an event (from any thread); the oldest goes when the queue is full."""
        with self._lock:
            if len(self._queue) == self._queue.maxlen:
                self._dropped += 1
            self._queue.append(event)
        self._signal()

    def _signal(self) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._wake.set()
            return
        try:
            self._loop.call_soon_threadsafe(self._wake.set)
        except RuntimeError:  # the follower's loop is gone: nobody is reading any more
            self._hub.unsubscribe(self)

    def take(self) -> list[Event]:
        """Every queued event, led by a `gap` event when some were dropped."""
        with self._lock:
            events = list(self._queue)
            self._queue.clear()
            dropped, self._dropped = self._dropped, 0
            self._wake.clear()
        if dropped:
            events.insert(0, Event("gap", {"dropped": dropped}))
        return events

    async def next_batch(self, timeout: float | None = None) -> list[Event]:
        """Wait for events (up to `timeout` seconds) and take them."""
        if not self._queue:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                return []
        return self.take()

    def close(self) -> None:
        self.closed = True
        self._hub.unsubscribe(self)


class EventHub:
    """Fans events out to every subscription; costs one check when nobody follows."""

    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self.limit = limit
        self.subscriptions: list[Subscription] = []
        self._lock = threading.Lock()

    def subscribe(self) -> Subscription:
        """A new follower (called on the event loop that will read it)."""
        subscription = Subscription(self, self.limit)
        with self._lock:
            self.subscriptions = [*self.subscriptions, subscription]
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self.subscriptions = [s for s in self.subscriptions if s is not subscription]

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        event = Event(kind, data)
        for subscription in self.subscriptions:
            subscription.put(event)
