"""The journal: every request a provider received, bounded, oldest dropped first."""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


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

    def as_json(self) -> dict[str, Any]:
        moment = datetime.fromtimestamp(self.time, UTC)
        return {"seq": self.seq, "time": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "provider": self.provider,
                "tenant": self.tenant, "method": self.method, "path": self.path,
                "query": self.query, "headers": self.headers, "body": _decode(self.body),
                "status": self.status, "response": _decode(self.response),
                "operation": self.operation}


def _decode(raw: bytes) -> Any:
    """JSON bodies as values, other text as text, nothing as None."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", "replace")


class Journal:
    """A bounded record of requests, queried by provider, method, path pattern and status."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.entries: deque[Entry] = deque(maxlen=limit)
        self._seq = 0

    def add(self, **fields: Any) -> Entry:
        self._seq += 1
        entry = Entry(seq=self._seq, **fields)
        self.entries.append(entry)
        return entry

    def clear(self) -> None:
        self.entries.clear()

    def resize(self, limit: int) -> None:
        self.limit = limit
        self.entries = deque(self.entries, maxlen=limit)

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
