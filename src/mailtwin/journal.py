"""The journal: every request a provider received and every lifecycle move, bounded, oldest
dropped first."""

from __future__ import annotations

import json
import re
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mailtwin.events import EventHub
from mailtwin.lifecycle import Moved


@dataclass
class Entry:
    """One request and its answer, as received and sent."""

    seq: int
    time: float  # sandbox clock, seconds since the epoch; written out as ISO 8601
    provider: str
    tenant: str | None
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int
    response: bytes
    operation: str | None
    # Wall-clock arrival, seconds since the epoch: rates are real even on a frozen clock.
    received: float = 0.0

    def summary(self) -> dict[str, Any]:
        """The entry without headers and bodies (what live followers are sent)."""
        return {"seq": self.seq, "time": _iso(self.time), "received": _iso(self.received),
                "provider": self.provider, "tenant": self.tenant, "method": self.method,
                "path": self.path, "query": self.query, "status": self.status,
                "operation": self.operation}

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": _iso(self.time), "provider": self.provider,
                "tenant": self.tenant, "method": self.method, "path": self.path,
                "query": self.query, "headers": self.headers, "body": _decode(self.body),
                "status": self.status, "response": _decode(self.response),
                "operation": self.operation, "received": _iso(self.received)}


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _decode(raw: bytes) -> Any:
    """JSON bodies as values, other text as text, nothing as None."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", "replace")


class Journal:
    """A bounded record of requests, queried by provider, method, path pattern and status,
    and of lifecycle moves, by record."""

    def __init__(self, limit: int, events: EventHub | None = None) -> None:
        self.limit = limit
        self.entries: deque[Entry] = deque(maxlen=limit)
        self.moves: deque[Moved] = deque(maxlen=limit)
        self.events = events or EventHub()
        self._seq = 0

    def add(self, **fields: Any) -> Entry:
        self._seq += 1
        entry = Entry(seq=self._seq, received=time.time(), **fields)
        self.entries.append(entry)
        if self.events.subscriptions:
            self.events.publish("request", entry.summary())
        return entry

    def get(self, seq: int) -> Entry | None:
        """The entry with this sequence number, if the journal still keeps it."""
        if not self.entries or not self.entries[0].seq <= seq <= self.entries[-1].seq:
            return None
        # Sequence numbers rise by one per entry, so the position follows from the first.
        entry = self.entries[seq - self.entries[0].seq]
        return entry if entry.seq == seq else None

    def add_move(self, moved: Moved) -> None:
        self.moves.append(moved)
        if self.events.subscriptions:
            self.events.publish("move", moved.as_json())

    def moves_of(self, provider: str | None = None, tenant: str | None = None,
                 resource: str | None = None, ident: str | None = None) -> list[Moved]:
        """Moves matching every given criterion, oldest first (ids compared as text)."""
        return [m for m in self.moves
                if (provider is None or m.provider == provider)
                and (tenant is None or m.tenant == tenant)
                and (resource is None or m.resource == resource)
                and (ident is None or str(m.ident) == ident)]

    def clear(self) -> None:
        """Forget every entry and move; numbering starts again at 1, as on a fresh server."""
        self.entries.clear()
        self.moves.clear()
        self._seq = 0

    def resize(self, limit: int) -> None:
        self.limit = limit
        self.entries = deque(self.entries, maxlen=limit)
        self.moves = deque(self.moves, maxlen=limit)

    def query(self, provider: str | None = None, method: str | None = None,
              path: str | None = None, status: int | None = None,
              tenant: str | None = None) -> list[Entry]:
        """Entries matching every given criterion; `path` is a glob (`*` any run of chars)."""
        pattern = _glob(path) if path else None
        return [e for e in self.entries
                if (provider is None or e.provider == provider)
                and (method is None or e.method == method.upper())
                and (status is None or e.status == status)
                and (tenant is None or e.tenant == tenant)
                and (pattern is None or pattern.fullmatch(e.path))]


def _glob(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))
