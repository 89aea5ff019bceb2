"""A lazily filtered, ordered sequence of records that pagination styles slice."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mailtwin.store import Collection, Record

Predicate = Callable[[Record], bool]


class Listing:
    """Records of a collection, in order, that pass every predicate; rendered on the way out."""

    def __init__(self, collection: Collection, ids: Iterable[Any],
                 predicates: list[Predicate], render: Callable[[Record], Any]) -> None:
        self._collection = collection
        self._ids = ids
        self._predicates = predicates
        self.render = render
        self._matched: list[Any] | None = None

    def _matches(self) -> Iterable[Record]:
        records = self._collection.records
        for ident in self._ids:
            record = records.get(ident)
            if record is not None and all(test(record) for test in self._predicates):
                yield record

    def all_ids(self) -> list[Any]:
        """Every matching id (computed once)."""
        if self._matched is None:
            id_field = self._collection.id_field
            self._matched = [r[id_field] for r in self._matches()]
        return self._matched

    def total(self) -> int:
        return len(self.all_ids())

    def window(self, offset: int, limit: int) -> list[Any]:
        """Rendered records `offset` to `offset + limit`, stopping as soon as the page is full."""
        if limit <= 0:
            return []
        out: list[Any] = []
        if self._matched is not None:
            records = self._collection.records
            return [self.render(records[i]) for i in self._matched[offset:offset + limit]]
        skipped = 0
        for record in self._matches():
            if skipped < offset:
                skipped += 1
                continue
            out.append(self.render(record))
            if len(out) >= limit:
                break
        return out

    def has_more(self, offset: int) -> bool:
        """True when at least one match lies at or beyond `offset`."""
        return any(seen >= offset for seen, _record in enumerate(self._matches()))
