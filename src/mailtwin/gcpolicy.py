"""How a serving sandbox uses Python's garbage collector: long-lived state stays out of it.

Records are plain dicts without reference cycles, so reference counting frees them; the
cycle collector only adds pauses that grow with the store (a full collection walks every
record). Freezing moves what has survived so far out of the collector's sight, in O(1).
"""

from __future__ import annotations

import gc
import os

# Requests between two freezes: few enough survivors in between that a full collection,
# should one start, walks only them (milliseconds), not the whole store.
FREEZE_EVERY = 1000
ENV = "MAILTWIN_GC"
MODES = ("freeze", "default")


class GcPolicy:
    """Freezes survivors after start-up and every FREEZE_EVERY requests (mode "freeze"), or
    leaves Python's collector as it is (mode "default", for comparison in bench/)."""

    def __init__(self, mode: str = "freeze") -> None:
        if mode not in MODES:
            raise ValueError(f"{ENV} must be one of {', '.join(MODES)}, not {mode!r}")
        self.active = mode == "freeze"
        self.served = 0

    @classmethod
    def from_env(cls) -> GcPolicy:
        """The mode named by MAILTWIN_GC (default: freeze)."""
        return cls(os.environ.get(ENV, "freeze") or "freeze")

    def settle(self) -> None:
        """After start-up: collect what start-up left behind, then freeze the rest."""
        if self.active:
            gc.collect()
            gc.freeze()

    def after_request(self) -> None:
        """Count a request; every FREEZE_EVERY, drop young garbage cycles and freeze."""
        if not self.active:
            return
        self.served += 1
        if self.served % FREEZE_EVERY == 0:
            gc.collect(1)
            gc.freeze()
