"""The one engine for declared lifecycles: actions with guards, and moves the clock makes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from string import Formatter
from typing import Any, Protocol

from mailtwin.conventions.timestamps import TimestampStyle, iso_z
from mailtwin.delivery.engine import Happened, Post
from mailtwin.delivery.message import Message
from mailtwin.errors import ApiError, Problem
from mailtwin.store import Record, Store, Tenant, Timer

log = logging.getLogger("mailtwin")
_PARTS = frozenset({"year", "month", "day", "hour", "minute"})


def resolve_settable(values: dict[str, Any], record: Record, moment: datetime,
                     style: TimestampStyle) -> Record:
    """Turn `{send_started: $now, month: $now.month, x: $field:y}` into field values."""
    out: Record = {}
    for name, value in values.items():
        if value == "$now":
            out[name] = style.format(moment)
        elif isinstance(value, str) and value.startswith("$now.") and value[5:] in _PARTS:
            out[name] = getattr(moment, value[5:])
        elif value == "$null":
            out[name] = None
        elif isinstance(value, str) and value.startswith("$field:"):
            out[name] = record.get(value[7:])
        else:
            out[name] = value
    return out


@dataclass(frozen=True)
class Refusal:
    states: frozenset[Any] | None
    status: int
    message: str


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[Any] | None
    target: Any
    sets: dict[str, Any]
    refusals: tuple[Refusal, ...]


@dataclass(frozen=True)
class TimedMove:
    source: Any
    target: Any
    at: str | None
    after: float | None
    sets: dict[str, Any]


class Lifecycle:
    """A declared state machine over one field of a record."""

    def __init__(self, name: str, spec: dict[str, Any], style: TimestampStyle) -> None:
        self.name = name
        self.field: str = spec["field"]
        self.initial = spec["initial"]
        self.changed: str | None = spec.get("changed")
        self.held: str | None = spec.get("held")
        self.style = style
        self.enter: dict[Any, dict[str, Any]] = dict(spec.get("enter", {}))
        self.actions = {key: _action(key, value, self.field)
                        for key, value in spec.get("actions", {}).items()}
        self.timed = tuple(TimedMove(t["from"], t["to"], t.get("at"), t.get("after"),
                                     dict(t.get("set", {}))) for t in spec.get("timed", []))

    def move_changes(self, record: Record, target: Any, sets: dict[str, Any],
                     moment: datetime) -> Record:
        """The field changes of moving a record to `target` at `moment`."""
        changes = resolve_settable(sets, record, moment, self.style)
        if target is not None and target != record.get(self.field):
            changes[self.field] = target
            changes.update(resolve_settable(self.enter.get(target, {}), record, moment,
                                            self.style))
            if self.changed:
                changes[self.changed] = self.style.format(moment)
        return changes

    def act(self, record: Record, action: str, ident: Any, moment: datetime) -> Record:
        """The changes of an action, or the declared refusal as an ApiError."""
        spec = self.actions.get(action)
        if spec is None:
            raise ApiError(400, [Problem(("body",), f"unknown action {action!r}", "bad_request")])
        state = record.get(self.field)
        if spec.sources is not None and state not in spec.sources:
            raise self.refusal(spec, state, ident)
        return self.move_changes(record, spec.target, spec.sets, moment)

    def refusal(self, spec: Action, state: Any, ident: Any) -> ApiError:
        """The first refusal matching the current state."""
        for refusal in spec.refusals:
            if refusal.states is None or state in refusal.states:
                values = {self.field: state, "id": ident, "state": state, "action": spec.name}
                message = refusal.message.format_map(values)
                return ApiError(refusal.status, [Problem(("body",), message, "bad_request")])
        message = f"cannot {spec.name} while the status is {state!r}"
        return ApiError(400, [Problem(("body",), message, "bad_request")])

    def due_moves(self, record: Record, entered: datetime | None) -> list[tuple[int, float]]:
        """(move index, due timestamp) of every timed move out of the record's state. A move
        `after` N seconds counts from `entered`, or, when that is None, from the moment the
        record's own fields say it entered its state (no move when they do not say)."""
        if self.held and record.get(self.held):
            return []
        state = record.get(self.field)
        out = []
        for index, move in enumerate(self.timed):
            if move.source != state:
                continue
            if move.at is not None:
                moment = self.style.parse(record.get(move.at))
                if moment is not None:
                    out.append((index, moment.timestamp() + (move.after or 0)))
            elif move.after is not None:
                if entered is None:
                    entered = self.entered_at(record)
                    if entered is None:
                        continue
                out.append((index, entered.timestamp() + move.after))
        return out

    def entered_at(self, record: Record) -> datetime | None:
        """When the record entered its current state, by its own fields: the `changed` field,
        else the field its state's enter-set stamps with `$now`, else the time of the timed
        move into that state (its `at` field, or the source's entry, plus its `after`)."""
        if self.changed:
            moment = self.style.parse(record.get(self.changed))
            if moment is not None:
                return moment
        return self._entered(record, record.get(self.field), set())

    def _entered(self, record: Record, state: Any, seen: set[Any]) -> datetime | None:
        if state in seen:
            return None
        seen.add(state)
        for name, value in self.enter.get(state, {}).items():
            if value == "$now":
                moment = self.style.parse(record.get(name))
                if moment is not None:
                    return moment
        for move in self.timed:
            if move.target != state:
                continue
            if move.at is not None:
                moment = self.style.parse(record.get(move.at))
            else:
                moment = self._entered(record, move.source, seen)
            if moment is not None:
                return moment + timedelta(seconds=move.after or 0)
        return None


def _action(name: str, spec: dict[str, Any], state_field: str) -> Action:
    sources = frozenset(spec["from"]) if "from" in spec else None
    refusals = [Refusal(frozenset(r["from"]) if "from" in r else None, r["status"], r["message"])
                for r in spec.get("refusals", [])]
    if "refuse" in spec:
        refusals.append(Refusal(None, spec["refuse"]["status"], spec["refuse"]["message"]))
    known = {"id", "state", "action", state_field}
    for refusal in refusals:
        for _, placeholder, _, _ in Formatter().parse(refusal.message):
            if placeholder is not None and placeholder not in known:
                names = ", ".join(sorted(known))
                raise ValueError(f"action {name!r}: the refusal message names {{{placeholder}}}; "
                                 f"it may name only {names}")
    return Action(name, sources, spec.get("to"), dict(spec.get("set", {})), tuple(refusals))


@dataclass(frozen=True)
class Moved:
    """A move of a record from one state to another, made by the clock or by a request."""

    provider: str
    tenant: str
    resource: str
    ident: Any
    source: Any
    target: Any
    at: str
    via: str = "request"

    def as_json(self) -> dict[str, Any]:
        return {"provider": self.provider, "tenant": self.tenant, "resource": self.resource,
                "id": self.ident, "from": self.source, "to": self.target, "at": self.at,
                "via": self.via}


@dataclass(frozen=True)
class Move:
    """A record that just changed state, as a move listener sees it (the record holds its
    new state already)."""

    provider: str
    tenant_name: str
    tenant: Tenant
    resource: str
    record: Record
    source: Any
    target: Any
    moment: datetime
    post: Post | None = field(default=None, repr=False, compare=False)

    def send_message(self, **message: Any) -> Message | None:
        """Hand a message to the delivery engine, sent at the move's moment (see
        Context.send_message)."""
        if self.post is None:
            raise LookupError("this move was made without a delivery engine")
        return self.post.send(**message)

    def messages(self, resource: str | None = None, mailing: Any = None,
                 **meta: Any) -> list[Message]:
        """The tenant's messages (see Context.messages)."""
        if self.post is None:
            return []
        return self.post.messages(resource, mailing, **meta)

    def message_events(self, resource: str | None = None, mailing: Any = None,
                       types: Iterable[str] | None = None, **meta: Any) -> list[Happened]:
        """The events that happened to the tenant's messages (see Context.message_events)."""
        if self.post is None:
            return []
        return self.post.events(resource, mailing, types, **meta)


class MoveListener(Protocol):
    """Called after every move of one resource's records (an action, a timed move, a change
    of the state field): `def on_mailing_move(move: Move) -> None`."""

    def __call__(self, move: Move, /) -> None: ...


# Told of every move of every provider after it is stored (the journal keeps them).
MoveObserver = Callable[[Moved], None]
# The delivery verbs of a tenant at a moment: (provider, tenant name, tenant, moment) -> Post.
PostFactory = Callable[[str, str, Tenant, datetime], Post]


class LifecycleEngine:
    """Schedules and fires timed moves for every provider's lifecycles, in time order, and
    tells each resource's move listeners, then the observers, about every move."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # (provider, resource) -> lifecycle, and the listeners providers hook in.
        self.lifecycles: dict[tuple[str, str], Lifecycle] = {}
        self.listeners: dict[tuple[str, str], list[MoveListener]] = {}
        self.observers: list[MoveObserver] = []
        # What fires the store's timers of other kinds than `move` (delivery's `message`),
        # in the same time order as the moves.
        self.kinds: dict[str, Callable[[Timer], None]] = {}
        # The delivery verbs a Move offers (set by the runtime).
        self.post: PostFactory | None = None
        # True while a fresh tenant's due moves are made: what they cause is no news either
        # (messages sent then emit no events on the bus).
        self.quiet = False

    def register(self, provider: str, resource: str, lifecycle: Lifecycle) -> None:
        self.lifecycles[(provider, resource)] = lifecycle

    def listen(self, provider: str, resource: str, listener: MoveListener) -> None:
        """Call `listener` after every move of the resource's records."""
        self.listeners.setdefault((provider, resource), []).append(listener)

    def lifecycle(self, provider: str, resource: str) -> Lifecycle | None:
        return self.lifecycles.get((provider, resource))

    def entered(self, provider: str, tenant_name: str, tenant: Tenant, resource: str,
                record: Record, moment: datetime | None) -> None:
        """A record entered its current state (created, acted on, moved) at `moment`, or when
        its own fields say (None): plan its timers."""
        life = self.lifecycles.get((provider, resource))
        if life is None:
            return
        ident = record[tenant.collections[resource].id_field]
        version = tenant.versions.get((resource, ident), 0) + 1
        tenant.versions[(resource, ident)] = version
        for index, due in life.due_moves(record, moment):
            self.store.schedule(due, provider, tenant_name, resource, ident, version, index)

    def hold(self, tenant: Tenant, resource: str, ident: Any) -> None:
        """Drop the record's pending timed moves (`entered` plans them again)."""
        key = (resource, ident)
        tenant.versions[key] = tenant.versions.get(key, 0) + 1

    def materialised(self, provider: str, tenant_name: str, tenant: Tenant,
                     now: datetime) -> None:
        """Plan the timers of every record a fresh tenant holds, each from its own timestamps
        (the tenant's creation is no moment of theirs), and make at once, unobserved, the moves
        already due by `now`: the tenant starts as its records stand now, with no news.

        The timers come from the fixtures, worked out once per provider, and expect version 0
        (a record no request has changed), so only the collections a due move changes are
        materialised."""
        for due, resource, ident, index in self._fixture_timers(provider):
            self.store.schedule(due, provider, tenant_name, resource, ident, 0, index)
        observers, self.observers = self.observers, []
        self.quiet = True
        try:
            self.fire_due(now.timestamp(), only=(provider, tenant_name))
        finally:
            self.observers = observers
            self.quiet = False

    def _fixture_timers(self, provider: str) -> list[tuple[float, str, Any, int]]:
        """(due, resource, id, move index) of the timed moves of the provider's fixtures."""
        pristine = self.store.pristine(provider)
        found: list[tuple[float, str, Any, int]] | None = pristine.derived.get("timers")
        if found is None:
            found = []
            for (owner, resource), life in self.lifecycles.items():
                if owner != provider or resource not in pristine.blobs:
                    continue
                collection = pristine.fresh(resource)
                for ident, record in collection.records.items():
                    found.extend((due, resource, ident, index)
                                 for index, due in life.due_moves(record, None))
            pristine.derived["timers"] = found
        return found

    def apply(self, provider: str, tenant_name: str, tenant: Tenant, resource: str,
              ident: Any, changes: Record, moment: datetime, via: str = "request") -> Record:
        """Store changes; if the state moved, tell listeners and observers and plan the next
        timers."""
        life = self.lifecycles.get((provider, resource))
        collection = tenant.collections[resource]
        before = collection.records[ident].get(life.field) if life else None
        record = collection.update(ident, changes)
        if life is not None and life.field in changes and changes[life.field] != before:
            post = self.post(provider, tenant_name, tenant, moment) if self.post else None
            move = Move(provider, tenant_name, tenant, resource, record, before,
                        record[life.field], moment, post)
            for listener in self.listeners.get((provider, resource), ()):
                listener(move)
            self.entered(provider, tenant_name, tenant, resource, record, moment)
            if self.observers:
                moved = Moved(provider, tenant_name, resource, ident, before,
                              record[life.field], iso_z(moment), via)
                for observer in self.observers:
                    observer(moved)
        return record

    def fire_due(self, now: float, only: tuple[str, str] | None = None) -> list[Moved]:
        """Fire every timed move due by `now` (only one provider's tenant's, with `only`),
        earliest first, each exactly once; a move that fails is logged and skipped, so one
        bad record never stops the clock."""
        moved: list[Moved] = []
        others: list[Timer] = []
        while (timer := self.store.pop_due(now)) is not None:
            if only is not None and (timer.provider, timer.tenant) != only:
                others.append(timer)
                continue
            try:
                if timer.kind != "move":
                    self.kinds[timer.kind](timer)
                    continue
                done = self._fire(timer)
            except Exception:  # a bug or a bad record: the other moves still happen
                log.exception("timed move of %s %s %r (%s) failed and was skipped",
                              timer.provider, timer.resource, timer.ident, timer.tenant)
                continue
            if done is not None:
                moved.append(done)
        self.store.put_back(others)
        return moved

    def _fire(self, timer: Timer) -> Moved | None:
        """Make one timed move, if its record is still in the state it was planned from."""
        tenant = self.store.peek(timer.provider, timer.tenant)
        if tenant is None or tenant.versions.get((timer.resource, timer.ident), 0) != timer.expect:
            return None
        life = self.lifecycles[(timer.provider, timer.resource)]
        record = tenant.collections[timer.resource].get(timer.ident)
        if record is None:
            return None
        move = life.timed[timer.move]
        moment = datetime.fromtimestamp(timer.due, UTC)
        source = record.get(life.field)
        changes = life.move_changes(record, move.target, move.sets, moment)
        self.apply(timer.provider, timer.tenant, tenant, timer.resource, timer.ident,
                   changes, moment, via="clock")
        return Moved(timer.provider, timer.tenant, timer.resource, timer.ident, source,
                     move.target, iso_z(moment), "clock")
