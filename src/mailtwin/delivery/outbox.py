"""The messages one tenant sent: oldest first, bounded in count and bytes (the oldest are
dropped first), with the rates of the tenant's simulation; written to and read from state
documents as JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mailtwin.delivery.message import Body, Message
from mailtwin.delivery.model import Planned


class Outbox:
    """A tenant's messages by id, oldest first, and the bodies they share."""

    __slots__ = ("_index", "bodies", "bytes", "counter", "messages", "rates")

    def __init__(self) -> None:
        self.messages: dict[str, Message] = {}
        self.bodies: dict[str, Body] = {}
        self.counter = 0
        self.bytes = 0
        # The tenant's own simulation rates (over the provider's and the defaults).
        self.rates: dict[str, float] = {}
        # Bodies by their parts, so the messages of one mailing share one (not pickled).
        self._index: dict[tuple[Any, ...], Body] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"messages": self.messages, "bodies": self.bodies, "counter": self.counter,
                "bytes": self.bytes, "rates": self.rates}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._index = {}

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages.values())

    def body(self, parts: tuple[Any, ...], make: Any) -> Body:
        """The body with these parts, made (by `make(key)`) the first time."""
        found = self._index.get(parts)
        if found is None or found.key not in self.bodies:
            # Named after the message about to be kept, which is the first to hold it.
            found = make(f"b{self.counter + 1}")
            self._index[parts] = found
        return found

    def add(self, message: Message, max_messages: int, max_bytes: int) -> list[Message]:
        """Keep a message; the oldest ones that no longer fit are dropped and returned."""
        body = message.body
        if body.refs == 0:
            self.bodies[body.key] = body
            self.bytes += body.size()
        body.refs += 1
        self.messages[message.id] = message
        self.bytes += message.size()
        dropped = []
        while self.messages and (len(self.messages) > max_messages
                                 or self.bytes > max_bytes):
            oldest = self.drop_oldest()
            if oldest is not None:
                dropped.append(oldest)
        return dropped

    def drop_oldest(self) -> Message | None:
        """Drop the oldest message (its pending events never happen); None when empty."""
        if not self.messages:
            return None
        oldest = self.messages.pop(next(iter(self.messages)))
        self._forget(oldest)
        return oldest

    def oldest_created(self) -> float:
        """When the oldest message kept was sent (infinity when there is none)."""
        return next(iter(self.messages.values())).created if self.messages else float("inf")

    def _forget(self, message: Message) -> None:
        self.bytes -= message.size()
        body = message.body
        body.refs -= 1
        if body.refs <= 0:
            self.bodies.pop(body.key, None)
            self.bytes -= body.size()

    def grow(self, message: Message, before: int) -> None:
        """Count a change of a message's size (its timeline grew)."""
        self.bytes += message.size() - before

    def as_json(self) -> dict[str, Any]:
        """The outbox as JSON values (see `from_json`)."""
        return {
            "counter": self.counter, "rates": dict(self.rates),
            "bodies": {key: body.as_json() for key, body in self.bodies.items()},
            "messages": [{"id": m.id, "seq": m.seq, "resource": m.resource,
                          "mailing": m.mailing, "to": m.to, "body": m.body.key,
                          "values": m.values, "meta": m.meta, "created": m.created,
                          "timeline": [[e.type, e.at, e.detail] for e in m.timeline],
                          "fired": m.fired} for m in self.messages.values()]}


# The shape `from_json` reads (checked on state imports before anything changes).
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["counter", "bodies", "messages"],
    "properties": {
        "counter": {"type": "integer", "minimum": 0},
        "rates": {"type": "object", "additionalProperties": {
            "type": "number", "minimum": 0, "maximum": 1}},
        "bodies": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["subject", "syntax", "from"],
            "properties": {"subject": {"type": "string"},
                           "html": {"type": ["string", "null"]},
                           "text": {"type": ["string", "null"]},
                           "syntax": {"type": "string"}, "from": {"type": "string"},
                           "from_name": {"type": ["string", "null"]},
                           "reply_to": {"type": ["string", "null"]},
                           "unsubscribe": {"type": ["string", "null"]},
                           "headers": {"type": "object",
                                       "additionalProperties": {"type": "string"}}}}},
        "messages": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "seq", "resource", "mailing", "to", "body", "created",
                         "timeline", "fired"],
            "properties": {
                "id": {"type": "string", "minLength": 1}, "seq": {"type": "integer"},
                "resource": {"type": "string"}, "mailing": {"type": ["integer", "string"]},
                "to": {"type": "string"}, "body": {"type": "string"},
                "values": {"type": ["object", "null"]}, "meta": {"type": ["object", "null"]},
                "created": {"type": "number"}, "fired": {"type": "integer", "minimum": 0},
                "timeline": {"type": "array", "items": {
                    "type": "array", "minItems": 3, "maxItems": 3,
                    "prefixItems": [{"type": "string"}, {"type": "number"},
                                    {"type": ["object", "null"]}]}}}}},
    },
}


def from_json(value: dict[str, Any], provider: str, tenant: str, syntaxes: Any) -> Outbox:
    """An outbox from what `as_json` wrote (shape checked against SCHEMA first); a ValueError
    names what else is wrong."""
    outbox = Outbox()
    outbox.counter = int(value["counter"])
    outbox.rates = {str(k): float(v) for k, v in (value.get("rates") or {}).items()}
    bodies: dict[str, Body] = {}
    for key, part in value["bodies"].items():
        if part["syntax"] not in syntaxes:
            raise ValueError(f"body {key}: unknown personalization syntax {part['syntax']!r}")
        bodies[key] = Body(key, part["subject"], part.get("html"), part.get("text"),
                           part["syntax"], part["from"], part.get("from_name"),
                           part.get("reply_to"), dict(part.get("headers") or {}),
                           part.get("unsubscribe"))
    for n, item in enumerate(value["messages"]):
        body = bodies.get(item["body"])
        if body is None:
            raise ValueError(f"message {n} names the body {item['body']!r}, which is not there")
        if item["id"] in outbox.messages:
            raise ValueError(f"message {n}: the id {item['id']!r} appears twice")
        if item["fired"] > len(item["timeline"]):
            raise ValueError(f"message {n}: more events fired than its timeline holds")
        timeline = [Planned(t, float(at), detail) for t, at, detail in item["timeline"]]
        message = Message(item["id"], int(item["seq"]), provider, tenant, item["resource"],
                          item["mailing"], item["to"], body, item.get("values"),
                          item.get("meta"), float(item["created"]), timeline,
                          int(item["fired"]))
        outbox.add(message, len(value["messages"]) + 1, 1 << 62)
    return outbox
