"""Delivery: one message per recipient, its events on the sandbox clock from a seeded model,
the outbox that keeps them. `engine` (the Delivery the runtime holds, and the verbs hooks
reach through Context and Move), `model` (outcomes and timing), `message` and `outbox` (what
is kept, bounded), `personalization` (placeholder syntaxes), `eml` (RFC 5322 messages).

This package imports nothing at load: the store imports `outbox` from it."""

from __future__ import annotations

__all__: list[str] = []
