"""The sandbox clock: real time by default, or frozen / shifted for tests and demos."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

# The latest moment the clock may show: a day later, dates no longer fit in four digits.
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)


class ClockRangeError(ValueError):
    """A move of the clock past LATEST."""


def check_moment(moment: datetime) -> datetime:
    """The moment (UTC if naive), or ClockRangeError when the clock cannot show it."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    if aware > LATEST:
        raise ClockRangeError(f"the sandbox clock stops at {LATEST:%Y-%m-%dT%H:%M:%SZ}")
    return aware


class Clock:
    """A clock that can be set, advanced, frozen and unfrozen.

    It keeps an offset from real time, or a frozen instant; `now()` is cheap either way.
    """

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._offset = 0.0
        self._frozen: float | None = None
        if frozen_at is not None:
            # Frozen first, so the clock shows exactly that moment (no real-time rounding).
            self.freeze()
            self.set(frozen_at)

    def timestamp(self) -> float:
        """Seconds since the epoch, as the sandbox sees it."""
        if self._frozen is not None:
            return self._frozen
        return time.time() + self._offset

    def now(self) -> datetime:
        """The sandbox's current moment (UTC)."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def set(self, moment: datetime) -> None:
        """Jump to a moment; a frozen clock stays frozen there."""
        target = check_moment(moment)
        if self._frozen is not None:
            self._frozen = target.timestamp()
        else:
            self._offset = target.timestamp() - time.time()

    def advance(self, delta: timedelta) -> None:
        """Move forward (never backward) by a duration."""
        seconds = delta.total_seconds()
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        if self.timestamp() + seconds > LATEST.timestamp():
            raise ClockRangeError(f"the sandbox clock stops at {LATEST:%Y-%m-%dT%H:%M:%SZ}")
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def freeze(self) -> None:
        """Stop time at the current moment."""
        if self._frozen is None:
            self._frozen = self.timestamp()

    def unfreeze(self) -> None:
        """Let time run again from the frozen moment."""
        if self._frozen is not None:
            self._offset = self._frozen - time.time()
            self._frozen = None

    def reset(self) -> None:
        """Back to real time."""
        self._offset = 0.0
        self._frozen = None

    def describe(self) -> dict[str, object]:
        """A JSON-ready view: the time, whether frozen, the offset from real time."""
        now = self.now()
        return {"now": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "frozen": self.frozen,
                "offset_seconds": round(self.timestamp() - time.time(), 6)}

    def state(self) -> tuple[float, float | None]:
        return (self._offset, self._frozen)

    def restore(self, state: tuple[float, float | None]) -> None:
        self._offset, self._frozen = state
