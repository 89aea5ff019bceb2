"""A lazily filtered, ordered sequence of records that pagination styles slice."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from itertools import dropwhile, islice, takewhile
from typing import Any

from mailtwin.rawjson import Raw, encode_value
from mailtwin.store import Collection, Record

Predicate = Callable[[Record], bool]


@dataclass
class QueryPlan:
    """What a list request asks for beyond the declared filters: predicates, and the sort
    order as (field, descending) pairs."""

    predicates: list[Predicate] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)


class FieldIn:
    """The predicate `text(record[field]) in wanted`, which a list may answer from an index
    of `field` instead of testing every record (see handlers.listing)."""

    __slots__ = ("field", "test", "text", "wanted")

    def __init__(self, field: str, wanted: set[str], text: Callable[[Any], str],
                 test: Predicate) -> None:
        self.field = field
        self.wanted = wanted
        self.text = text
        self.test = test

    def __call__(self, record: Record) -> bool:
        return self.test(record)


# Shapes kept per record at most: a client varying a query string cannot grow the cache.
SHAPES_KEPT = 16


def cached_json(collection: Collection, key: Any, shape: Callable[[Record], Any],
                encode: Callable[[Any], bytes] = encode_value) -> Callable[[Record], Raw]:
    """Records as the JSON bytes of `shape(record)`, cached on the collection under `key`
    (the collection drops a record's bytes whenever the record changes). A shape holding
    Raw parts needs `encode=rawjson.dumps`."""
    cache = collection.fragments
    id_field = collection.id_field

    def one(record: Record) -> Raw:
        held = cache.setdefault(record[id_field], {})
        found = held.get(key)
        if found is None:
            if len(held) >= SHAPES_KEPT:
                held.clear()
            found = held[key] = Raw(encode(shape(record)))
        return found

    return one


def sort_value(value: Any) -> tuple[int, Any]:
    """A field value as lists sort it: nulls first, then booleans and numbers, then text."""
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value))


class Descending:
    """A value that sorts after the values it is less than (one descending sort term)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Descending) and bool(self.value == other.value)

    def __lt__(self, other: Descending) -> bool:
        return bool(other.value < self.value)

    __hash__ = None  # type: ignore[assignment]


Rank = tuple[Any, ...]


@dataclass(frozen=True)
class Order:
    """A list's total order: its sort terms (field, descending), then the collection's
    insertion order, which ties follow (newest first with `reverse`)."""

    terms: tuple[tuple[str, bool], ...] = ()
    reverse: bool = False

    def values(self, record: Record) -> list[tuple[int, Any]]:
        """The record's sort values, one per term."""
        return [sort_value(record.get(name)) for name, _descending in self.terms]

    def rank(self, values: list[tuple[int, Any]], position: int) -> Rank:
        """A comparable place in this order: sort values, then the insertion rank."""
        parts: list[Any] = [Descending(value) if descending else value
                            for value, (_name, descending) in zip(values, self.terms,
                                                                  strict=True)]
        parts.append(-position if self.reverse else position)
        return tuple(parts)


class Listing:
    """Records of a collection, in order, that pass every predicate; rendered on the way out.

    `order` names the order `ids` come in (the collection's insertion order by default), so
    that pages can resume after a record's place in it (`ids_after`, `ids_before`).
    """

    def __init__(self, collection: Collection, ids: Iterable[Any],
                 predicates: list[Predicate], render: Callable[[Record], Any],
                 fragment: Callable[[Record], Raw] | None = None,
                 order: Order | None = None) -> None:
        self._collection = collection
        self._ids = ids
        self._predicates = predicates
        self.render = render
        self._fragment = fragment
        self.order = order or Order()
        self._matched: list[Any] | None = None

    def _matches(self, ids: Iterable[Any] | None = None) -> Iterator[Record]:
        records = self._collection.records
        tests = self._predicates
        for ident in self._ids if ids is None else ids:
            record = records.get(ident)
            if record is None:
                continue
            for test in tests:
                if not test(record):
                    break
            else:
                yield record

    def all_ids(self) -> list[Any]:
        """Every matching id (computed once)."""
        if self._matched is None and not self._predicates:
            # Ids come from the collection or its indexes, so each names a stored record.
            self._matched = list(self._ids)
        if self._matched is None:
            id_field = self._collection.id_field
            self._matched = [r[id_field] for r in self._matches()]
        return self._matched

    def ids_window(self, offset: int, limit: int) -> list[Any]:
        """Ids of the matches `offset` to `offset + limit`, without matching the rest."""
        if self._matched is not None:
            return self._matched[offset:offset + limit]
        if not self._predicates:
            return list(islice(self._ids, offset, offset + limit))
        id_field = self._collection.id_field
        return [r[id_field] for r in islice(self._matches(), offset, offset + limit)]

    def total(self) -> int:
        if self._matched is None and not self._predicates and isinstance(self._ids, Sized):
            return len(self._ids)  # counted by the index, without walking the records
        return len(self.all_ids())

    def window(self, offset: int, limit: int, raw: bool = False) -> list[Any]:
        """Rendered records `offset` to `offset + limit`, stopping as soon as the page is full.

        With `raw`, records come as cached JSON bytes when the listing can make them (the
        answer must then be encoded with rawjson.dumps: see Reply.spliced).
        """
        if limit <= 0:
            return []
        render = self._fragment if raw and self._fragment is not None else self.render
        out: list[Any] = []
        if self._matched is not None:
            records = self._collection.records
            return [render(records[i]) for i in self._matched[offset:offset + limit]]
        skipped = 0
        for record in self._matches():
            if skipped < offset:
                skipped += 1
                continue
            out.append(render(record))
            if len(out) >= limit:
                break
        return out

    @property
    def splices(self) -> bool:
        """True when `window(..., raw=True)` gives Raw fragments."""
        return self._fragment is not None

    def rank(self, ident: Any) -> Rank:
        """The place of a stored record in the listing's order."""
        record = self._collection.records[ident]
        return self.order.rank(self.order.values(record), self._collection.positions[ident])

    def _placed_before(self, rank: Rank, inclusive: bool) -> Callable[[Any], bool]:
        """Whether an id is placed before `rank` (or at it, with `inclusive`); from the
        insertion rank alone when the order has no terms, as walked ids come in that order."""
        if self.order.terms:
            return (lambda ident: self.rank(ident) <= rank) if inclusive else (
                lambda ident: self.rank(ident) < rank)
        positions, bound = self._collection.positions, rank[-1]
        if self.order.reverse:
            bound = -bound
            return ((lambda ident: positions[ident] >= bound) if inclusive
                    else (lambda ident: positions[ident] > bound))
        return ((lambda ident: positions[ident] <= bound) if inclusive
                else (lambda ident: positions[ident] < bound))

    def ids_after(self, rank: Rank, limit: int) -> list[Any]:
        """Ids of the first `limit` matches placed after `rank`."""
        id_field = self._collection.id_field
        if self._matched is not None:
            start = bisect_right(self._matched, rank, key=self.rank)
            return self._matched[start:start + limit]
        if isinstance(self._ids, list):
            # Ids given as a list (sorted, or read from an index) name stored records: find
            # the place, then match from there on.
            ids = self._ids
            start = bisect_right(ids, rank, key=self.rank)
            later = (ids[i] for i in range(start, len(ids)))
            return [r[id_field] for r in islice(self._matches(later), limit)]
        rest = dropwhile(self._placed_before(rank, inclusive=True), self._ids)
        return [r[id_field] for r in islice(self._matches(rest), limit)]

    def ids_before(self, rank: Rank, limit: int) -> list[Any]:
        """Ids of the last `limit` matches placed before `rank`, in order."""
        id_field = self._collection.id_field
        if self._matched is not None:
            end = bisect_left(self._matched, rank, key=self.rank)
            return self._matched[max(0, end - limit):end]
        if isinstance(self._ids, list):
            ids = self._ids
            end = bisect_left(ids, rank, key=self.rank)
            backwards = (ids[i] for i in range(end - 1, -1, -1))
            found = [r[id_field] for r in islice(self._matches(backwards), limit)]
            return found[::-1]
        earlier = takewhile(self._placed_before(rank, inclusive=False), self._ids)
        return [r[id_field] for r in deque(self._matches(earlier), maxlen=limit)]

    def has_more(self, offset: int) -> bool:
        """True when at least one match lies at or beyond `offset`."""
        return any(seen >= offset for seen, _record in enumerate(self._matches()))


def rows(items: Iterable[Record], key: str = "id", render: Callable[[Record], Any] = dict,
         predicates: list[Predicate] | None = None,
         order: list[tuple[str, bool]] | None = None) -> Listing:
    """A listing of computed rows (report lines, log entries) rather than stored records,
    filtered and ordered as asked (a QueryPlan's parts); each row's `key` must be unique.
    Example: `rows([{"id": 1, "url": u}])`."""
    collection = Collection(key)
    for item in items:
        collection.insert(item)
    ids = sort_ids(collection.records, collection.ids(), order) if order else collection.ids()
    return Listing(collection, ids, list(predicates or []), render)


def sort_ids(records: dict[Any, Record], ids: Any, order: list[tuple[str, bool]]) -> list[Any]:
    """Ids sorted by several fields, each ascending or descending; nulls sort first."""
    ordered = list(ids)
    for name, descending in reversed(order):
        ordered.sort(key=_sort_key(records, name), reverse=descending)
    return ordered


def _sort_key(records: dict[Any, Record], name: str) -> Callable[[Any], tuple[int, Any]]:
    return lambda ident: sort_value(records[ident].get(name))

