"""In-memory state: collections of records per provider and tenant, with indexes,
lazy materialisation from fixtures (a tenant, then each of its collections), reset, and
snapshot / restore."""

from __future__ import annotations

import heapq
import pickle
import time
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field, replace
from typing import Any

from mailtwin.delivery.outbox import Outbox
from mailtwin.errors import ApiError, Problem
from mailtwin.rawjson import Raw

Record = dict[str, Any]
MAX_RECORDS = 200_000


class CollectionFull(ApiError):
    """A create past the number of records a collection of one tenant may hold."""


class TenantLimit(ApiError):
    """A new tenant when a provider holds as many as it may and none can be evicted."""


class Collection:
    """Records of one resource, by id, in insertion order, with optional field indexes."""

    __slots__ = ("_next", "fragments", "id_field", "index", "limit", "pages", "positions",
                 "records")

    def __init__(self, id_field: str, indexed: Iterable[str] = (),
                 limit: int = MAX_RECORDS) -> None:
        self.id_field = id_field
        self.limit = limit
        self.records: dict[Any, Record] = {}
        self.index: dict[str, dict[Any, dict[Any, None]]] = {name: {} for name in indexed}
        # Insertion rank of each id: index buckets lose that order when records move.
        self.positions: dict[Any, int] = {}
        self._next = 0
        # Rendered JSON of records by (view, extra fields); dropped whenever a record changes.
        self.fragments: dict[Any, dict[Any, Raw]] = {}
        # Whole list answers by request; any change to the collection drops them all.
        self.pages: dict[Any, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"id_field": self.id_field, "records": self.records, "index": self.index,
                "positions": self.positions, "_next": self._next}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        # The store sets its configured limit on the collections of every tenant it holds.
        self.limit = MAX_RECORDS
        self.fragments = {}
        self.pages = {}

    def __len__(self) -> int:
        return len(self.records)

    def get(self, ident: Any) -> Record | None:
        return self.records.get(ident)

    def insert(self, record: Record) -> Record:
        ident = record[self.id_field]
        if ident in self.records:
            raise KeyError(f"duplicate id {ident!r}")
        if len(self.records) >= self.limit:
            message = (f"this account already holds {self.limit} records of this kind, the "
                       f"most the sandbox keeps (its max_records setting)")
            raise CollectionFull(422, [Problem(("body",), message, "limit_reached")],
                                 title="Limit Reached")
        self.records[ident] = record
        if self.pages:
            self.pages.clear()
        self.positions[ident] = self._next
        self._next += 1
        for name, buckets in self.index.items():
            buckets.setdefault(_key(record.get(name)), {})[ident] = None
        return record

    def update(self, ident: Any, changes: Record) -> Record:
        """Apply changes to a stored record, keeping indexes right."""
        record = self.records[ident]
        self.fragments.pop(ident, None)
        if self.pages:
            self.pages.clear()
        for name, buckets in self.index.items():
            if name in changes and _key(changes[name]) != _key(record.get(name)):
                old = buckets.get(_key(record.get(name)))
                if old is not None:
                    old.pop(ident, None)
                buckets.setdefault(_key(changes[name]), {})[ident] = None
        record.update(changes)
        return record

    def delete(self, ident: Any) -> Record | None:
        record = self.records.pop(ident, None)
        if record is not None:
            del self.positions[ident]
            self.fragments.pop(ident, None)
            if self.pages:
                self.pages.clear()
            for name, buckets in self.index.items():
                bucket = buckets.get(_key(record.get(name)))
                if bucket is not None:
                    bucket.pop(ident, None)
        return record

    def ids(self, reverse: bool = False) -> InOrder:
        """Ids in insertion order (or its reverse), iterable many times and counted."""
        return InOrder(self.records, reverse)

    def ids_where(self, name: str, values: Iterable[Any], reverse: bool = False
                  ) -> Iterable[Any]:
        """Ids whose indexed field holds one of `values`, in insertion order (or reverse).

        A few matches are sorted from the index; many are found faster by walking the
        records in order, since a page then fills after a short walk.
        """
        buckets = self.index[name]
        wanted = {_key(v) for v in values}
        chosen = [buckets.get(key, {}) for key in wanted]
        total = sum(len(bucket) for bucket in chosen)
        if total * 8 > len(self.records):
            return _Walk(self, name, wanted, reverse)
        found = [i for bucket in chosen for i in bucket]
        found.sort(key=self.positions.__getitem__, reverse=reverse)
        return found


class InOrder:
    """The ids of a collection in insertion order (or its reverse); iterable many times, so
    a listing can count them and walk them again."""

    __slots__ = ("_records", "_reverse")

    def __init__(self, records: dict[Any, Record], reverse: bool) -> None:
        self._records, self._reverse = records, reverse

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Any]:
        return reversed(self._records) if self._reverse else iter(self._records)


class _Walk:
    """Ids in (reverse) insertion order whose field is in `wanted`; iterable many times."""

    def __init__(self, collection: Collection, name: str, wanted: set[Any],
                 reverse: bool) -> None:
        self._collection, self._name, self._wanted, self._reverse = (collection, name, wanted,
                                                                      reverse)

    def __len__(self) -> int:
        """How many ids the walk yields, from the index (no walk needed)."""
        buckets = self._collection.index[self._name]
        return sum(len(buckets.get(key, {})) for key in self._wanted)

    def __iter__(self) -> Iterator[Any]:
        records, name, wanted = self._collection.records, self._name, self._wanted
        for ident in self._collection.ids(self._reverse):
            if _key(records[ident].get(name)) in wanted:
                yield ident


def _key(value: Any) -> Any:
    """Index key of a field value; unhashable values are indexed by their text."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class Collections(MutableMapping[str, Collection]):
    """A tenant's collections by resource name, each unpickled from its provider's pristine
    copy on first access (`[name]`, `.values()`, `.items()`), so a tenant costs only what it
    touched. Names, membership and `count` need no collection to be materialised."""

    __slots__ = ("_held", "_names", "_pristine", "limit")

    def __init__(self, pristine: Pristine | None = None, limit: int = MAX_RECORDS) -> None:
        self._pristine = pristine
        self._held: dict[str, Collection] = {}
        # None while the names are the pristine copy's (shared, not copied per tenant).
        self._names: dict[str, None] | None = None if pristine is not None else {}
        self.limit = limit

    @classmethod
    def of(cls, held: dict[str, Collection]) -> Collections:
        """Collections all materialised already (a seeded tenant, an import)."""
        made = cls()
        for name, collection in held.items():
            made[name] = collection
        return made

    def _order(self) -> dict[str, Any]:
        if self._names is not None:
            return self._names
        assert self._pristine is not None
        return self._pristine.counts

    def __getitem__(self, name: str) -> Collection:
        found = self._held.get(name)
        if found is None:
            if name not in self._order() or self._pristine is None:
                raise KeyError(name)
            found = self._held[name] = self._pristine.fresh(name)
            found.limit = self.limit
        return found

    def __setitem__(self, name: str, collection: Collection) -> None:
        if name not in self._order():
            self._names = {**self._order(), name: None}
        self._held[name] = collection

    def __delitem__(self, name: str) -> None:
        if name not in self._order():
            raise KeyError(name)
        self._names = {n: None for n in self._order() if n != name}
        self._held.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._order())

    def __len__(self) -> int:
        return len(self._order())

    def __contains__(self, name: object) -> bool:
        return name in self._order()

    def count(self, name: str) -> int:
        """How many records a collection holds, from the pristine figures when untouched."""
        found = self._held.get(name)
        if found is not None:
            return len(found)
        if name not in self._order() or self._pristine is None:
            raise KeyError(name)
        return self._pristine.counts[name]

    def peek(self, name: str) -> Collection:
        """A collection to read once (an export): the held one, else a fresh copy of the
        pristine one that the tenant does not keep."""
        found = self._held.get(name)
        if found is not None:
            return found
        if name not in self._order() or self._pristine is None:
            raise KeyError(name)
        return self._pristine.fresh(name)

    def materialised(self) -> tuple[str, ...]:
        """The names of the collections this tenant holds a copy of."""
        return tuple(self._held)

    def limit_records(self, limit: int) -> None:
        self.limit = limit
        for collection in self._held.values():
            collection.limit = limit

    def __getstate__(self) -> dict[str, Any]:
        # Untouched collections stay a reference to the pristine copy, pickled once per
        # pickle however many tenants share it.
        return {"held": self._held, "names": self._names, "pristine": self._pristine}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._held, self._names = state["held"], state["names"]
        self._pristine = state["pristine"]
        self.limit = MAX_RECORDS

    def __repr__(self) -> str:
        return f"Collections({list(self)}, materialised={list(self._held)})"


class Pristine:
    """A provider's fixtures, pickled once: each collection apart, so a tenant unpickles
    only the collections it touches, and the rest of the tenant (counters, extra) beside
    them. `derived` keeps what the engine works out from the fixtures once (not pickled)."""

    __slots__ = ("blobs", "counts", "derived", "rest")

    def __init__(self, seeded: Tenant) -> None:
        held = dict(seeded.collections.items())
        self.blobs = {name: pickle.dumps(c, pickle.HIGHEST_PROTOCOL)
                      for name, c in held.items()}
        self.counts = {name: len(c) for name, c in held.items()}
        shell = replace(seeded, collections=Collections())
        self.rest = pickle.dumps(shell, pickle.HIGHEST_PROTOCOL)
        self.derived: dict[str, Any] = {}

    def fresh(self, name: str) -> Collection:
        """A new copy of one collection as the fixtures hold it."""
        found: Collection = pickle.loads(self.blobs[name])
        return found

    def tenant(self) -> Tenant:
        """A new tenant as the fixtures hold it, with no collection materialised yet."""
        made: Tenant = pickle.loads(self.rest)
        made.collections = Collections(self)
        return made

    def __getstate__(self) -> dict[str, Any]:
        return {"blobs": self.blobs, "counts": self.counts, "rest": self.rest}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.blobs, self.counts, self.rest = state["blobs"], state["counts"], state["rest"]
        self.derived = {}


@dataclass
class Tenant:
    """Everything one tenant of one provider holds."""

    collections: Collections = field(default_factory=Collections)
    counters: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    versions: dict[tuple[str, Any], int] = field(default_factory=dict)
    # The tenant's name is a credential (a bearer token): the control plane redacts it.
    credential: bool = False
    # The messages the tenant sent, with their events (delivery/).
    outbox: Outbox = field(default_factory=Outbox)

    def __post_init__(self) -> None:
        if not isinstance(self.collections, Collections):
            self.collections = Collections.of(self.collections)

    def limit_records(self, limit: int) -> None:
        """Cap every collection at `limit` records (those not materialised yet too)."""
        self.collections.limit_records(limit)

    def where(self, resource: str, **fields: Any) -> list[Record]:
        """The records of a resource whose fields hold the values given, compared as text,
        in insertion order (from an index when one of the fields has one):
        `tenant.where("contact", list_id=7)`."""
        collection = self.collections[resource]
        wanted = {name: str(value) for name, value in fields.items()}
        indexed = next((name for name in fields if name in collection.index), None)
        if indexed is None:
            found: Iterable[Record] = collection.records.values()
        else:
            value = fields[indexed]
            forms = [value, str(value), *([int(value)] if isinstance(value, str)
                                          and value.isdigit() else [])]
            found = (collection.records[i] for i in collection.ids_where(indexed, forms))
        return [r for r in found if all(str(r.get(k)) == v for k, v in wanted.items())]

    def next_text_id(self, resource: str, template: str, first: int) -> str:
        """The next id of a resource whose ids follow a template (`sf{n}`, `{n}`): above
        every number such an id already stored holds, from `first`, never one in use."""
        records = self.collections[resource].records
        key = f"{resource}:{template}"
        current = self.counters.get(key)
        if current is None:
            head, _, tail = template.partition("{n}")
            numbers = [i[len(head):len(i) - len(tail)] for i in records if isinstance(i, str)
                       and i.startswith(head) and i.endswith(tail)]
            current = max([first - 1, *(int(n) for n in numbers if n.isdigit())])
        current += 1
        while template.format(n=current) in records:
            current += 1
        self.counters[key] = current
        return template.format(n=current)

    def next_id(self, resource: str, first: int) -> int:
        """The next generated integer id of a resource (above every id already stored)."""
        current = self.counters.get(resource)
        if current is None:
            existing = [i for i in self.collections[resource].records if isinstance(i, int)]
            current = max([first - 1, *existing])
        self.counters[resource] = current + 1
        return current + 1


@dataclass(order=True, slots=True)
class Timer:
    """Something that falls due at `due` (seconds since the epoch): a timed move of a record
    (kind `move`: the record's version to expect and the move's index), or the next event of
    a message (kind `message`: the message's id and the number of its events fired)."""

    due: float
    seq: int
    provider: str = field(compare=False)
    tenant: str = field(compare=False)
    resource: str = field(compare=False)
    ident: Any = field(compare=False)
    expect: Any = field(compare=False)
    move: int = field(compare=False)
    kind: str = field(default="move", compare=False)


Seeder = Callable[[], Tenant]
Materialised = Callable[[str, str, Tenant], None]
Evicted = Callable[[str, str], None]


@dataclass(frozen=True)
class Limits:
    """How much a store holds: live tenants per provider (the least recently used one idle
    for `idle_seconds` makes room for a new one) and records per collection of a tenant."""

    max_tenants: int = 250
    idle_seconds: float = 60.0
    max_records: int = MAX_RECORDS


class Store:
    """All tenants of all providers, plus the timers of pending timed moves.

    A tenant is created on first use from its provider's pristine copy, so resetting is
    dropping tenants: it costs nothing until the next request touches them.
    """

    def __init__(self, seeders: dict[str, Seeder], on_materialise: Materialised,
                 limits: Limits | None = None, on_evict: Evicted | None = None,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._seeders = seeders
        self._pristine: dict[str, Pristine] = {}
        self._on_materialise = on_materialise
        self._on_evict = on_evict
        self.limits = limits or Limits()
        self._now = now
        # When each tenant was last used (monotonic seconds), for eviction.
        self._used: dict[tuple[str, str], float] = {}
        # Exports in progress: each copies a tenant before anything may change it.
        self.cuts: list[Any] = []
        self.tenants: dict[tuple[str, str], Tenant] = {}
        # Provider-wide state that is not any one tenant's, such as issued tokens.
        self.shared: dict[str, dict[str, Any]] = {}
        self.timers: list[Timer] = []
        self._seq = 0
        # Moves on whenever state may have changed: answers replayed from an older
        # generation are stale (see replay.py).
        self.generation = 0

    @property
    def providers(self) -> tuple[str, ...]:
        return tuple(self._seeders)

    def pristine(self, provider: str) -> Pristine:
        """The provider's fixtures, built once and kept pickled for cheap copies."""
        found = self._pristine.get(provider)
        if found is None:
            found = self._pristine[provider] = Pristine(self._seeders[provider]())
        return found

    def swap_pristine(self, pristine: dict[str, Pristine]) -> dict[str, Pristine]:
        """Put in other pristine copies (those of another seed); returns the current ones."""
        current, self._pristine = self._pristine, dict(pristine)
        self.generation += 1
        return current

    def tenant(self, provider: str, name: str, reading: bool = False) -> Tenant:
        """The tenant's state, created from the fixtures on first use (making room first).
        Unless the caller is only `reading`, the tenant may change from here on."""
        key = (provider, name)
        found = self.tenants.get(key)
        if not reading or found is None:
            self.generation += 1
        if found is None:
            self._make_room(provider)
            found = self.pristine(provider).tenant()
            found.limit_records(self.limits.max_records)
            self.tenants[key] = found
            self._on_materialise(provider, name, found)
        elif self.cuts:
            self._before_change(key, found)
        self._used[key] = self._now()
        return found

    def peek(self, provider: str, name: str) -> Tenant | None:
        """The tenant's state if it exists, without creating it."""
        found = self.tenants.get((provider, name))
        self.generation += 1
        if found is not None and self.cuts:
            self._before_change((provider, name), found)
        return found

    def touch(self, provider: str, name: str) -> None:
        """Count a tenant as used now (an answer replayed to it), which keeps it from
        eviction as idle."""
        self._used[(provider, name)] = self._now()

    def _before_change(self, key: tuple[str, str], tenant: Tenant) -> None:
        for cut in self.cuts:
            cut.before_change(key, tenant)

    def _make_room(self, provider: str) -> None:
        """Evict the provider's least recently used tenant if it is at its limit; a
        TenantLimit (503) when that tenant is not idle."""
        limit = self.limits.max_tenants
        if len(self.tenants) < limit:
            return
        held = [key for key in self.tenants if key[0] == provider]
        if len(held) < limit:
            return
        oldest = min(held, key=lambda key: self._used.get(key, 0.0))
        idle = self._now() - self._used.get(oldest, 0.0)
        if idle < self.limits.idle_seconds:
            wait = max(1, int(self.limits.idle_seconds - idle + 0.999))
            message = (f"the sandbox holds {limit} {provider} accounts, the most it keeps, and "
                       f"each was used in the last {self.limits.idle_seconds:g} s; try again "
                       f"later")
            raise TenantLimit(503, [Problem((), message, "unavailable")],
                              title="Service Unavailable", headers={"retry-after": str(wait)})
        self.evict(*oldest)

    def evict(self, provider: str, name: str) -> None:
        """Forget one tenant and its timers, as a reset of it does."""
        self.reset(provider, name)
        if self._on_evict is not None:
            self._on_evict(provider, name)

    def reset(self, provider: str | None = None, tenant: str | None = None) -> int:
        """Forget tenants (all, one provider's, or one); they come back from the fixtures."""
        self.generation += 1
        doomed = [key for key in self.tenants
                  if (provider is None or key[0] == provider)
                  and (tenant is None or key[1] == tenant)]
        for key in doomed:
            del self.tenants[key]
            self._used.pop(key, None)
        if tenant is None:
            for name in [p for p in self.shared if provider is None or p == provider]:
                del self.shared[name]
        if doomed:
            gone = set(doomed)
            self.timers = [t for t in self.timers if (t.provider, t.tenant) not in gone]
            heapq.heapify(self.timers)
        return len(doomed)

    def shared_state(self, provider: str) -> dict[str, Any]:
        """The provider-wide state (tokens and the like), created empty on first use."""
        return self.shared.setdefault(provider, {})

    def schedule(self, due: float, provider: str, tenant: str, resource: str, ident: Any,
                 expect: Any, move: int, kind: str = "move") -> None:
        """Remember a timer; it is checked again when it fires."""
        self._seq += 1
        heapq.heappush(self.timers, Timer(due, self._seq, provider, tenant, resource, ident,
                                          expect, move, kind))

    def next_due(self) -> float | None:
        return self.timers[0].due if self.timers else None

    def pop_due(self, now: float) -> Timer | None:
        """The earliest timer due at or before `now`, removed; None if none is due."""
        if self.timers and self.timers[0].due <= now:
            return heapq.heappop(self.timers)
        return None

    def put_back(self, timers: list[Timer]) -> None:
        """Timers popped but not fired, planned again as they were."""
        for timer in timers:
            heapq.heappush(self.timers, timer)

    def snapshot(self) -> bytes:
        """The whole state as bytes."""
        state = (self.tenants, self.shared, self.timers, self._seq)
        return pickle.dumps(state, pickle.HIGHEST_PROTOCOL)

    def restore(self, blob: bytes) -> None:
        """Put back a state taken by `snapshot`."""
        self.tenants, self.shared, self.timers, self._seq = pickle.loads(blob)
        self.generation += 1
        self.adopt()

    def adopt(self) -> None:
        """Apply the limits to tenants put in place wholesale (a restore, an import)."""
        self.generation += 1
        for tenant in self.tenants.values():
            tenant.limit_records(self.limits.max_records)
        self._used = {key: used for key, used in self._used.items() if key in self.tenants}
