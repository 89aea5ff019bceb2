"""A provider's `x-mailtwin.webhooks` block, compiled once: where subscriptions live, how a
delivery is signed and shaped, and which engine events become which provider event names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Record events a trigger may name; each is the bus event kind `record.<name>`.
RECORD_TRIGGERS = ("created", "updated", "deleted", "acted")


@dataclass(frozen=True)
class Trigger:
    """One way an engine event becomes a provider event: a record of `resource` created,
    updated, deleted, moved (from / to a state) or acted on (`action`: a lifecycle action,
    or what a hook announces), or a bus event of kind `emitted`."""

    name: str
    on: str
    resource: str | None = None
    source: str | None = None
    target: str | None = None
    action: str | None = None

    def matches_record(self, data: Mapping[str, Any]) -> bool:
        return data.get("resource") == self.resource and (
            self.action is None or data.get("action") == self.action)

    def matches_move(self, data: Mapping[str, Any]) -> bool:
        return (data.get("resource") == self.resource
                and (self.source is None or data.get("from") == self.source)
                and (self.target is None or data.get("to") == self.target))


@dataclass(frozen=True)
class Retry:
    """Attempts in all, and the backoff: `first` seconds, times `factor` after each failure."""

    attempts: int = 8
    first: float = 10.0
    factor: float = 2.0

    def delay(self, attempt: int) -> float:
        """Sandbox seconds between attempt `attempt` (from 1) and the next one."""
        return float(self.first * self.factor ** (attempt - 1))


@dataclass(frozen=True)
class WebhookSpec:
    """How one provider's webhooks work (see docs/spec-format.md, `webhooks`)."""

    provider: str
    resource: str
    event_field: str
    url_field: str
    secret_field: str | None
    state_field: str | None
    active: tuple[str, ...]
    limit_field: str | None
    period_field: str | None
    periods: dict[str, float]
    signature_header: str
    encoding: str
    headers: dict[str, str]
    payload: Any
    retry: Retry
    # bus kind ("record.created", "moved", "message.opened") -> triggers of that kind
    triggers: dict[str, tuple[Trigger, ...]] = field(default_factory=dict)

    def watched(self) -> set[tuple[str, str]]:
        """(resource, record event) pairs whose records' changes must reach the bus: those
        the triggers name, and the deletion of a subscription (its deliveries stop)."""
        return {(t.resource, t.on) for group in self.triggers.values() for t in group
                if t.on in RECORD_TRIGGERS and t.resource is not None} | {
            (self.resource, "deleted")}


def _triggers(events: Mapping[str, Any]) -> dict[str, tuple[Trigger, ...]]:
    by_kind: dict[str, list[Trigger]] = {}
    for name, declared in events.items():
        for one in declared if isinstance(declared, list) else [declared]:
            if "emitted" in one:
                trigger = Trigger(name, "emitted")
                kind = str(one["emitted"])
            elif "moved" in one:
                trigger = Trigger(name, "moved", one["moved"], one.get("from"), one.get("to"))
                kind = "moved"
            else:
                on = next(key for key in RECORD_TRIGGERS if key in one)
                trigger = Trigger(name, on, one[on], action=one.get("action"))
                kind = f"record.{on}"
            by_kind.setdefault(kind, []).append(trigger)
    return {kind: tuple(found) for kind, found in by_kind.items()}


def compile_webhooks(provider: str, block: Mapping[str, Any] | None) -> WebhookSpec | None:
    """The compiled declaration, or None when the provider declares no webhooks."""
    if not block:
        return None
    fields: Mapping[str, Any] = block.get("fields", {})
    state: Mapping[str, Any] = block.get("active", {})
    limit: Mapping[str, Any] = block.get("rate_limit", {})
    signature: Mapping[str, Any] = block["signature"]
    retry: Mapping[str, Any] = block.get("retry", {})
    return WebhookSpec(
        provider=provider, resource=block["resource"],
        event_field=fields.get("event", "event"), url_field=fields.get("url", "url"),
        secret_field=fields.get("secret"), state_field=state.get("field"),
        active=tuple(state.get("states", ())), limit_field=limit.get("count"),
        period_field=limit.get("period"),
        periods={str(k): float(v) for k, v in limit.get("periods", {}).items()},
        signature_header=signature["header"], encoding=signature.get("encoding", "hex"),
        headers=dict(block.get("headers", {})),
        payload=block.get("payload", {"event": "$event", "created_on": "$time",
                                      "data": "$data"}),
        retry=Retry(int(retry.get("attempts", 8)), float(retry.get("first", 10)),
                    float(retry.get("factor", 2))),
        triggers=_triggers(block.get("events", {})))
