"""The seeded outcome model: which events a message gets and when, from a stable hash of
(seed, provider, tenant, mailing, recipient) and the rates in force. Magic addresses win.

    >>> [e.type for e in plan(b"k", 0.0, "ann+bounce@example.com", DEFAULT_RATES, ())]
    ['bounced']
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

# Near the averages of real campaigns; `click` is the share of openers who click.
DEFAULT_RATES: dict[str, float] = {"hard_bounce": 0.015, "soft_bounce": 0.005, "open": 0.40,
                                   "click": 0.10, "complaint": 0.001, "unsubscribe": 0.005}

# Local parts (or `+tag` suffixes) that always give one outcome.
MAGIC: dict[str, str] = {"bounce": "hard_bounce", "hardbounce": "hard_bounce",
                         "softbounce": "soft_bounce", "complaint": "complaint",
                         "unsubscribe": "unsubscribe", "open": "open", "click": "click",
                         "noengage": "none"}

HARD_REASON = "550 5.1.1 The email account that you tried to reach does not exist"
SOFT_REASON = "452 4.2.2 The email account that you tried to reach is over quota"
HOUR = 3600.0
# No event falls later than this after the send: a week of sandbox time shows every outcome.
HORIZON = 7 * 86400.0


class Planned(NamedTuple):
    """One event of a message's timeline: its type, its moment (epoch seconds) and its
    details (`bounce` and `reason` of a bounce, `url` of a click)."""

    type: str
    at: float
    detail: dict[str, Any] | None = None


def magic_of(address: str) -> str | None:
    """The outcome an address always gets (`bounce@x`, `ann+click@x`), or None."""
    local = address.strip().lower().partition("@")[0]
    base, _, tag = local.partition("+")
    return MAGIC.get(tag) or MAGIC.get(base)


class _Draws:
    """Uniform numbers in [0, 1) from the hash of a key, always the same for the same key."""

    def __init__(self, key: bytes) -> None:
        self._digest = hashlib.blake2b(key, digest_size=64).digest()
        self._next = 0

    def __call__(self) -> float:
        start = (self._next % 16) * 4
        self._next += 1
        return int.from_bytes(self._digest[start:start + 4], "big") / 4294967296.0


def key_of(seed: int, provider: str, tenant: str, resource: str, mailing: Any,
           address: str) -> bytes:
    """The hashed key of one recipient of one mailing."""
    return f"{seed}\0{provider}\0{tenant}\0{resource}\0{mailing}\0{address.lower()}".encode()


def _spread(draw: float, scale: float, low: float, high: float) -> float:
    """A delay between low and high, exponentially spread with mean about `scale`."""
    return min(high, low - math.log(1.0 - draw) * scale)


def outcome(draw: _Draws, address: str, rates: Mapping[str, float]) -> str:
    """`hard_bounce`, `soft_bounce`, or `delivered`; engagement is drawn separately."""
    magic = magic_of(address)
    if magic in ("hard_bounce", "soft_bounce"):
        return magic
    roll = draw()
    if magic is not None:
        return "delivered"
    hard = rates.get("hard_bounce", 0.0)
    if roll < hard:
        return "hard_bounce"
    if roll < hard + rates.get("soft_bounce", 0.0):
        return "soft_bounce"
    return "delivered"


def plan(key: bytes, sent: float, address: str, rates: Mapping[str, float],
         links: Sequence[str]) -> list[Planned]:
    """The events after `sent` of a message to `address`, in time order."""
    draw = _Draws(key)
    result = outcome(draw, address, rates)
    if result != "delivered":
        kind, reason = ("hard", HARD_REASON) if result == "hard_bounce" else ("soft",
                                                                               SOFT_REASON)
        return [Planned("bounced", sent + 5 + draw() * 115, {"bounce": kind, "reason": reason})]
    delivered = sent + 1 + draw() * 29
    events = [Planned("delivered", delivered)]
    magic = magic_of(address)
    opens = draw() < rates.get("open", 0.0) if magic is None else magic in (
        "open", "click", "unsubscribe")
    clicks = opens and (draw() < rates.get("click", 0.0) if magic is None else magic == "click")
    complains = draw() < rates.get("complaint", 0.0) if magic is None else magic == "complaint"
    leaves = draw() < rates.get("unsubscribe", 0.0) if magic is None else magic == "unsubscribe"
    limit = sent + HORIZON
    first_open = delivered + _spread(draw(), 8 * HOUR, 300, HORIZON / 2)
    if opens:
        events.append(Planned("opened", first_open))
        again = first_open
        for _ in range(int(draw() * 3) if magic is None else 0):
            again = min(limit, again + _spread(draw(), 12 * HOUR, 600, HORIZON / 4))
            events.append(Planned("opened", again))
    if clicks and links:
        url = links[int(draw() * len(links)) % len(links)]
        events.append(Planned("clicked", first_open + 5 + draw() * 895, {"url": url}))
    if complains:
        events.append(Planned("complained", delivered + _spread(draw(), 6 * HOUR, 120,
                                                                 HORIZON / 2)))
    if leaves:
        base = first_open if opens else delivered
        events.append(Planned("unsubscribed", base + 60 + draw() * 3540))
    events.sort(key=lambda e: e.at)
    return events
