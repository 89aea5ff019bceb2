"""The delivery engine: messages handed over by providers, their timelines on the sandbox
clock, the events they fire (on the event bus, to the providers' message listeners), and the
suppressions a provider declares. It knows no provider by name: what differs is declared in
each spec's `delivery` block."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from mailtwin.config import Config
from mailtwin.delivery.message import EVENT_TYPES, Body, Message
from mailtwin.delivery.model import DEFAULT_RATES, Planned, key_of, plan
from mailtwin.delivery.personalization import SYNTAXES
from mailtwin.events import EventBus
from mailtwin.store import Record, Store, Tenant, Timer

log = logging.getLogger("mailtwin")
KIND = "message"  # the kind of the store's timers that fire message events


@dataclass(frozen=True)
class Suppression:
    """Where a provider keeps suppressed addresses (`delivery.suppress`): a hard bounce or a
    complaint adds the address there, and a send to an address held there is skipped."""

    resource: str
    field: str
    reason: str | None = None


@dataclass(frozen=True)
class Settings:
    """A provider's `delivery` declaration."""

    personalization: str = "none"
    suppress: Suppression | None = None

    @classmethod
    def of(cls, declared: Mapping[str, Any] | None) -> Settings:
        declared = declared or {}
        held = declared.get("suppress")
        return cls(declared.get("personalization", "none"),
                   Suppression(held["resource"], held["field"], held.get("reason"))
                   if held else None)


class Happened(NamedTuple):
    """An event that happened to a message: the message, the event's type, its moment (epoch
    seconds) and details (`bounce`, `reason`, `url`)."""

    message: Message
    type: str
    at: float
    detail: dict[str, Any]


@dataclass(frozen=True)
class Writer:
    """How the engine changes records on the providers' behalf (through the lifecycle
    engine, so listeners, stamps and timers follow): `create(provider, tenant_name, tenant,
    resource, fields, moment)` and `apply(provider, tenant_name, tenant, resource, id,
    changes, moment)`."""

    create: Callable[[str, str, Tenant, str, Record, datetime], Record]
    apply: Callable[[str, str, Tenant, str, Any, Record, datetime], Record]


@dataclass(frozen=True)
class MessageEvent:
    """What a message listener receives: one event of one message as it happens."""

    provider: str
    tenant_name: str
    tenant: Tenant
    message: Message
    type: str
    moment: datetime
    detail: dict[str, Any]
    writer: Writer = field(repr=False)

    def apply(self, resource: str, record: Record, changes: Record) -> Record:
        """Store changes to a record of this tenant, as `ctx.apply` does (a change of its
        state is a move: move listeners, events and timers follow)."""
        ident = record[self.tenant.collections[resource].id_field]
        return self.writer.apply(self.provider, self.tenant_name, self.tenant, resource, ident,
                                 changes, self.moment)


class MessageListener(Protocol):
    """Called with every event of the messages of one mailing resource as it happens:
    `def on_campaign_message(event: MessageEvent) -> None`."""

    def __call__(self, event: MessageEvent, /) -> None: ...


def _ident(provider: str, tenant: str, seq: int) -> str:
    digest = hashlib.blake2b(f"{provider}\0{tenant}\0{seq}".encode(), digest_size=8)
    return f"m{digest.hexdigest()}"


class Delivery:
    """Messages and their events for every provider, their timers in the store's heap."""

    def __init__(self, store: Store, bus: EventBus, config: Callable[[], Config]) -> None:
        self.store = store
        self.bus = bus
        self.config = config
        self.settings: dict[str, Settings] = {}
        self.listeners: dict[tuple[str, str], list[MessageListener]] = {}
        self.writer: Writer | None = None
        # While a fresh tenant catches up with the clock its events happen unannounced, as
        # its moves do: the tenant starts as its records stand now, with no news.
        self.quiet = False

    def declare(self, provider: str, declared: Mapping[str, Any] | None) -> None:
        settings = Settings.of(declared)
        if settings.personalization not in SYNTAXES:
            raise ValueError(f"{provider}: unknown personalization syntax "
                             f"{settings.personalization!r} (known: {', '.join(SYNTAXES)})")
        self.settings[provider] = settings

    def listen(self, provider: str, resource: str, listener: MessageListener) -> None:
        """Call `listener` with every event of the messages of a mailing resource."""
        self.listeners.setdefault((provider, resource), []).append(listener)

    # -- rates ------------------------------------------------------------------------

    def rates(self, provider: str, tenant: Tenant | None) -> dict[str, float]:
        """The rates in force: the defaults, the provider's, then the tenant's."""
        rates = dict(DEFAULT_RATES)
        rates.update(self.store.shared.get(provider, {}).get("simulation", {}))
        if tenant is not None:
            rates.update(tenant.outbox.rates)
        return rates

    # -- sending ----------------------------------------------------------------------

    def suppressed(self, provider: str, tenant: Tenant, address: str) -> bool:
        """Whether the provider's declared suppressions hold the address."""
        held = self.settings.get(provider, Settings()).suppress
        if held is None or held.resource not in tenant.collections:
            return False
        collection = tenant.collections[held.resource]
        if collection.id_field == held.field:
            return collection.get(address.lower()) is not None or \
                collection.get(address) is not None
        wanted = address.lower()
        return any(str(r.get(held.field, "")).lower() == wanted
                   for r in collection.records.values())

    def send(self, provider: str, tenant_name: str, tenant: Tenant, moment: datetime, *,
             to: str, subject: str, sender: str, mailing: tuple[str, Any],
             html: str | None = None, text: str | None = None, sender_name: str | None = None,
             reply_to: str | None = None, values: Mapping[str, Any] | None = None,
             meta: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
             unsubscribe: str | None = None, first: Sequence[str] = ("sent",),
             deliver: bool = True) -> Message | None:
        """One message to one recipient (None when the provider's suppressions hold the
        address). The `first` events happen at once; with `deliver`, the seeded model plans
        the rest on the clock."""
        if self.suppressed(provider, tenant, to):
            return None
        settings = self.settings.get(provider, Settings())
        outbox = tenant.outbox
        resource, ident = mailing
        parts = (resource, ident, subject, html, text, sender, sender_name, reply_to,
                 tuple(sorted((headers or {}).items())), unsubscribe, settings.personalization)

        def make(key: str) -> Body:
            return Body(key, subject, html, text, settings.personalization, sender,
                        sender_name, reply_to, dict(headers or {}), unsubscribe)

        body = outbox.body(parts, make)
        outbox.counter += 1
        seq = outbox.counter
        own = {name: values[name] for name in body.names if name in values} if values else None
        created = moment.timestamp()
        message = Message(_ident(provider, tenant_name, seq), seq, provider, tenant_name,
                          resource, ident, to, body, own or None,
                          dict(meta) if meta else None, created,
                          [Planned(kind, created) for kind in first])
        if deliver:
            key = key_of(self.config().seed, provider, tenant_name, resource, ident, to)
            message.timeline.extend(plan(key, created, to, self.rates(provider, tenant),
                                         body.links))
        config = self.config()
        outbox.add(message, config.outbox_max_messages, config.outbox_max_bytes)
        while message.fired < len(message.timeline) and \
                message.timeline[message.fired].at <= created:
            self._happen(tenant, message)
        self._schedule(message)
        return message

    def _schedule(self, message: Message) -> None:
        """A timer for the message's next event, if it has one."""
        if message.fired < len(message.timeline):
            self.store.schedule(message.timeline[message.fired].at, message.provider,
                                message.tenant, message.resource, message.id, message.fired,
                                0, KIND)

    def fire(self, timer: Timer) -> None:
        """The next event of a message falls due (a timer of kind `message`)."""
        tenant = self.store.peek(timer.provider, timer.tenant)
        message = tenant.outbox.messages.get(timer.ident) if tenant is not None else None
        if message is None or message.fired != timer.expect or \
                message.fired >= len(message.timeline):
            return  # dropped from the outbox, or superseded
        self._happen(tenant, message)  # type: ignore[arg-type]
        self._schedule(message)

    def _happen(self, tenant: Tenant, message: Message) -> None:
        """Make the message's next planned event happen: the bus, the declared suppression,
        then the provider's listeners."""
        event = message.timeline[message.fired]
        message.fired += 1
        detail = dict(event.detail or {})
        data: dict[str, Any] = {"message": message.id, "to": message.to, "type": event.type,
                                "mailing": {"resource": message.resource,
                                            "id": message.mailing},
                                "subject": message.part("subject"), **detail}
        if message.meta:
            data["meta"] = dict(message.meta)
        if not self.quiet:
            self.bus.emit(f"message.{event.type}", message.provider, message.tenant,
                          event.at, data)
        moment = datetime.fromtimestamp(event.at, UTC)
        if self.writer is None:
            return
        if event.type == "complained" or (event.type == "bounced"
                                          and detail.get("bounce") == "hard"):
            self._suppress(tenant, message, "complaint" if event.type == "complained"
                           else "hard_bounce", moment)
        listeners = self.listeners.get((message.provider, message.resource), ())
        if listeners:
            seen = MessageEvent(message.provider, message.tenant, tenant, message, event.type,
                                moment, detail, self.writer)
            for listener in listeners:
                try:
                    listener(seen)
                except Exception:  # one bad listener never stops the clock
                    log.exception("message listener %r failed on %s of %s", listener,
                                  event.type, message.id)

    def _suppress(self, tenant: Tenant, message: Message, reason: str,
                  moment: datetime) -> None:
        held = self.settings.get(message.provider, Settings()).suppress
        if held is None or held.resource not in tenant.collections or self.suppressed(
                message.provider, tenant, message.to):
            return
        fields: Record = {held.field: message.to.lower()}
        if held.reason:
            fields[held.reason] = reason
        assert self.writer is not None
        self.writer.create(message.provider, message.tenant, tenant, held.resource, fields,
                           moment)

    # -- reading ----------------------------------------------------------------------

    @staticmethod
    def messages(tenant: Tenant, resource: str | None = None, mailing: Any = None,
                 **meta: Any) -> list[Message]:
        """A tenant's messages, oldest first: of one mailing resource, one mailing (compared
        as text) and with the meta values given (compared as text)."""
        wanted = None if mailing is None else str(mailing)
        texts = {name: str(value) for name, value in meta.items()}
        return [m for m in tenant.outbox
                if (resource is None or m.resource == resource)
                and (wanted is None or str(m.mailing) == wanted)
                and all(str((m.meta or {}).get(k)) == v for k, v in texts.items())]

    @staticmethod
    def events(messages: Iterable[Message], types: Iterable[str] | None = None
               ) -> list[Happened]:
        """The events that happened to messages, in time order (of some types only)."""
        chosen = None if types is None else set(types)
        unknown = (chosen or set()) - set(EVENT_TYPES)
        if unknown:
            raise ValueError(f"unknown message event types: {sorted(unknown)}")
        out = [Happened(m, e.type, e.at, dict(e.detail or {})) for m in messages
               for e in m.timeline[:m.fired] if chosen is None or e.type in chosen]
        out.sort(key=lambda h: (h.at, h.message.seq))
        return out


class Post:
    """The delivery verbs of one tenant at one moment, as Context and Move offer them."""

    __slots__ = ("_delivery", "moment", "provider", "tenant", "tenant_name")

    def __init__(self, delivery: Delivery, provider: str, tenant_name: str, tenant: Tenant,
                 moment: datetime) -> None:
        self._delivery = delivery
        self.provider = provider
        self.tenant_name = tenant_name
        self.tenant = tenant
        self.moment = moment

    def send(self, **message: Any) -> Message | None:
        """See `Delivery.send`: `to`, `subject`, `sender`, `mailing=(resource, id)`, ..."""
        return self._delivery.send(self.provider, self.tenant_name, self.tenant, self.moment,
                                   **message)

    def messages(self, resource: str | None = None, mailing: Any = None,
                 **meta: Any) -> list[Message]:
        return self._delivery.messages(self.tenant, resource, mailing, **meta)

    def events(self, resource: str | None = None, mailing: Any = None,
               types: Iterable[str] | None = None, **meta: Any) -> list[Happened]:
        return self._delivery.events(self.messages(resource, mailing, **meta), types)
