"""Answers to repeated reads, replayed as bytes while nothing they depend on has changed.

A GET served by a replayable operation (see `Runtime`) depends only on the store, the
request and the sandbox clock. Its answer is kept under the exact request (path, query
string, every header) and replayed, without routing, authentication, validation or
rendering, as long as the store's generation is the one it was made in (anything that may
change state moves it on), no fault rule is set, no timed move is due and the credentials it
was served to have not expired on the sandbox clock.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailtwin.operation import Operation

# At most this many answers and bytes are kept; past either, the oldest half goes.
REPLAYS_KEPT = 1024
REPLAY_BYTES = 16 * 1024 * 1024

Key = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Replay:
    """One kept answer and what the journal needs to record each replay of it."""

    generation: int
    valid_until: float
    status: int
    headers: list[tuple[bytes, bytes]]
    payload: bytes
    provider: str
    tenant: str | None
    operation: str | None
    path: str
    query: str
    # The decoded request headers: the same for every replay, as they are part of the key.
    request_headers: dict[str, str]
    # The provider declares rate-limit headers, which are counted per answer.
    counted: bool
    reply_headers: dict[str, str]


def replayable(op: Operation) -> bool:
    """Whether an operation's GET answers may be replayed: a read the generic handlers serve
    (from the store and the request alone), or a hooked one declared `replay: true`."""
    if op.spec.method != "GET" or op.kind not in ("get", "list"):
        return False
    return op.hook is None or bool(op.ext.get("replay"))


def key_of(scope: MutableMapping[str, Any]) -> Key:
    """The exact request a replay answers: path, raw query, scheme, server and headers."""
    return (scope["path"], scope.get("query_string", b""), scope.get("scheme"),
            scope.get("server"), tuple(scope["headers"]))


class Replays:
    """Kept answers by request, bounded in count and bytes, all of one generation of the
    store: when it moves on (a reset, a restore, any change) every one of them is stale."""

    def __init__(self, limit: int = REPLAYS_KEPT, max_bytes: int = REPLAY_BYTES) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self.kept: dict[Key, Replay] = {}
        self.bytes = 0
        self.generation = -1

    def find(self, key: Key, generation: int) -> Replay | None:
        """The answer kept for a request in this generation, if any."""
        if generation != self.generation:
            if self.kept:
                self.clear()
            return None
        return self.kept.get(key)

    def keep(self, key: Key, replay: Replay) -> None:
        """Keep an answer (forgetting those of older generations)."""
        if replay.generation != self.generation:
            self.clear()
            self.generation = replay.generation
        size = len(replay.payload)
        if size > self.max_bytes // 4:
            return
        previous = self.kept.pop(key, None)
        if previous is not None:
            self.bytes -= len(previous.payload)
        if len(self.kept) >= self.limit or self.bytes + size > self.max_bytes:
            self._halve()
        self.kept[key] = replay
        self.bytes += size

    def _halve(self) -> None:
        """Drop the oldest half of the kept answers."""
        for key in list(self.kept)[:max(1, len(self.kept) // 2)]:
            self.bytes -= len(self.kept.pop(key).payload)

    def clear(self) -> None:
        self.kept.clear()
        self.bytes = 0
