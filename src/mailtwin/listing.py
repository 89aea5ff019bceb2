"""A lazily filtered, ordered sequence of records that pagination styles slice."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field
from itertools import islice
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


class Listing:
    """Records of a collection, in order, that pass every predicate; rendered on the way out."""

    def __init__(self, collection: Collection, ids: Iterable[Any],
                 predicates: list[Predicate], render: Callable[[Record], Any],
                 fragment: Callable[[Record], Raw] | None = None) -> None:
        self._collection = collection
        self._ids = ids
        self._predicates = predicates
        self.render = render
        self._fragment = fragment
        self._matched: list[Any] | None = None

    def _matches(self) -> Iterable[Record]:
        records = self._collection.records
        tests = self._predicates
        for ident in self._ids:
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
    return lambda ident: _sortable(records[ident].get(name))


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value))

