"""The log of webhook attempts: bounded in entries and bytes (oldest dropped first), newest
first when listed, filtered and paged; safe to use from several threads."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mailtwin import redaction

# What an entry costs beyond its text fields (the numbers, the object itself).
ENTRY_OVERHEAD = 200


@dataclass(frozen=True)
class Attempt:
    """One attempt at a delivery: `status` is delivered, failed (retried at `next_attempt`
    unless that is None), refused (not sent: a host outside the allow-list, a bad URL) or
    dropped (not queued: too many pending deliveries). `shown_tenant` is the tenant's name as
    the control plane shows it (redacted when a token named it); `headers` are those sent
    (the signature among them; none when nothing was sent) and `body` the payload."""

    seq: int
    delivery: str
    attempt: int
    provider: str
    tenant: str
    shown_tenant: str
    webhook: str
    event: str
    url: str
    at: str
    status: str
    response_status: int | None
    error: str | None
    duration_ms: float
    next_attempt: str | None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    def size(self) -> int:
        return ENTRY_OVERHEAD + sum(len(text) for text in (
            self.delivery, self.provider, self.tenant, self.webhook, self.event, self.url,
            self.error or "", self.body)) + sum(len(k) + len(v) for k, v in self.headers.items())

    def as_json(self) -> dict[str, Any]:
        """The attempt as the control plane shows it (secrets in the URL's query redacted)."""
        base, mark, query = self.url.partition("?")
        return {"seq": self.seq, "delivery": self.delivery, "attempt": self.attempt,
                "provider": self.provider, "tenant": self.shown_tenant, "webhook": self.webhook,
                "event": self.event, "url": base + mark + redaction.form(query), "at": self.at,
                "status": self.status,
                "response_status": self.response_status, "error": self.error,
                "duration_ms": self.duration_ms, "next_attempt": self.next_attempt,
                "headers": dict(self.headers), "body": self.body}


class DeliveryLog:
    """The last attempts, at most `limit` of them and `max_bytes` in all."""

    def __init__(self, limit: int, max_bytes: int) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._entries: deque[Attempt] = deque()
        self._bytes = 0
        self._seq = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def last_seq(self) -> int:
        """The number of the last attempt logged (0 before any)."""
        return self._seq

    def add(self, **fields: Any) -> Attempt:
        """Log an attempt (numbered), dropping the oldest past the bounds."""
        with self._lock:
            self._seq += 1
            entry = Attempt(seq=self._seq, **fields)
            self._entries.append(entry)
            self._bytes += entry.size()
            while self._entries and (len(self._entries) > self.limit
                                     or self._bytes > self.max_bytes):
                self._bytes -= self._entries.popleft().size()
            return entry

    def find(self, seq: int) -> Attempt | None:
        """The attempt numbered `seq`, if the log still holds it."""
        with self._lock:
            return next((e for e in self._entries if e.seq == seq), None)

    def forget(self, provider: str | None = None, tenant: str | None = None) -> None:
        """Drop the entries of a provider, of one of its tenants, or all of them."""
        with self._lock:
            kept = [e for e in self._entries if not _owned(e, provider, tenant)]
            self._entries = deque(kept)
            self._bytes = sum(e.size() for e in kept)

    def select(self, before: int | None = None, **wanted: str | None) -> Iterator[Attempt]:
        """Entries newest first, numbered below `before`, whose fields equal the values
        given (compared as text; None matches anything)."""
        with self._lock:
            entries = list(self._entries)
        terms = {name: value for name, value in wanted.items() if value is not None}
        for entry in reversed(entries):
            if before is not None and entry.seq >= before:
                continue
            if all(str(getattr(entry, name)) == value for name, value in terms.items()):
                yield entry


def _owned(entry: Attempt, provider: str | None, tenant: str | None) -> bool:
    return (provider is None or entry.provider == provider) and (
        tenant is None or entry.tenant == tenant)
