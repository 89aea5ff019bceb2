"""The journal: every request a provider received and every lifecycle move, bounded in
entries and bytes, oldest dropped first; shown with secrets redacted."""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mailtwin import redaction
from mailtwin.events import EventHub
from mailtwin.lifecycle import Moved

# What an entry costs beside its bodies (the entry, its headers and strings), roughly.
ENTRY_BYTES = 1024


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
    # Sizes as received and sent; the bodies above may be cut short (see Journal).
    body_bytes: int = 0
    response_bytes: int = 0

    @property
    def cost(self) -> int:
        return ENTRY_BYTES + len(self.body) + len(self.response)

    def summary(self) -> dict[str, Any]:
        """The entry without headers and bodies (what live followers are sent), redacted."""
        return {"seq": self.seq, "time": _iso(self.time), "received": _iso(self.received),
                "provider": self.provider,
                "tenant": redaction.tenant(self.tenant, self.headers), "method": self.method,
                "path": self.path, "query": redaction.form(self.query), "status": self.status,
                "operation": self.operation}

    def as_json(self, secrets: bool = False) -> dict[str, Any]:
        """The entry as JSON, with credentials and secret fields redacted unless `secrets`."""
        media = self.headers.get("content-type", "")
        shown = {"seq": self.seq, "time": _iso(self.time), "provider": self.provider,
                 "tenant": self.tenant, "method": self.method, "path": self.path,
                 "query": self.query, "headers": self.headers,
                 "body": _decode(self.body, media, secrets),
                 "status": self.status, "response": _decode(self.response, "", secrets),
                 "operation": self.operation, "received": _iso(self.received),
                 "truncated": (len(self.body) < self.body_bytes
                               or len(self.response) < self.response_bytes),
                 "body_bytes": self.body_bytes, "response_bytes": self.response_bytes}
        if not secrets:
            shown.update(tenant=redaction.tenant(self.tenant, self.headers),
                         query=redaction.form(self.query),
                         headers=redaction.headers(self.headers))
        return shown


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _decode(raw: bytes, media: str, secrets: bool) -> Any:
    """JSON bodies as values, forms and other text as text, nothing as None."""
    if not raw:
        return None
    try:
        loaded = json.loads(raw)
    except (ValueError, RecursionError):
        text = raw.decode("utf-8", "replace")
        if secrets:
            return text
        if media.startswith("multipart/"):
            return f"(a multipart body of {len(raw)} bytes, not shown: it may hold secrets)"
        return redaction.form(text) if "=" in text and not text.lstrip().startswith(
            ("{", "[", "<")) else text
    return loaded if secrets else redaction.value(loaded)


class Journal:
    """A bounded record of requests, queried by provider, method, path pattern and status,
    and of lifecycle moves, by record.

    It keeps at most `limit` entries and `max_bytes` of them in all; of each body and answer
    only the first `body_bytes` (0 keeps none).
    """

    def __init__(self, limit: int, events: EventHub | None = None,
                 max_bytes: int = 64 * 1024 * 1024, body_bytes: int = 64 * 1024) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self.body_bytes = body_bytes
        self.entries: deque[Entry] = deque()
        self.moves: deque[Moved] = deque(maxlen=limit)
        self.events = events or EventHub()
        self.bytes = 0
        self._seq = 0
        # How live followers see a tenant name (the runtime redacts those tokens named).
        self.tenant_label: Callable[[str, str], str] = lambda provider, name: name

    def add(self, **fields: Any) -> Entry:
        self._seq += 1
        body: bytes = fields.pop("body")
        response: bytes = fields.pop("response")
        cut = self.body_bytes
        entry = Entry(seq=self._seq, received=time.time(),
                      body=body[:cut] if len(body) > cut else body,
                      response=response[:cut] if len(response) > cut else response,
                      body_bytes=len(body), response_bytes=len(response), **fields)
        self.entries.append(entry)
        self.bytes += entry.cost
        self._trim()
        if self.events.subscriptions:
            self.events.publish("request", entry.summary())
        return entry

    def _trim(self) -> None:
        """Drop the oldest entries until both bounds hold (the newest one always stays)."""
        entries = self.entries
        while len(entries) > 1 and (len(entries) > self.limit or self.bytes > self.max_bytes):
            self.bytes -= entries.popleft().cost

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
            shown = moved.as_json()
            shown["tenant"] = self.tenant_label(moved.provider, moved.tenant)
            self.events.publish("move", shown)

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
        self.bytes = 0
        self._seq = 0

    def resize(self, limit: int) -> None:
        self.limit = limit
        self._trim()
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
