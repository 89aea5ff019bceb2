"""The state document streamed while the server goes on serving: a consistent cut of the
store, written out a piece at a time between requests, secrets redacted unless asked for."""

from __future__ import annotations

import asyncio
import json
import pickle
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from mailtwin import redaction
from mailtwin.statefile import FORMAT, VERSION, timer_row
from mailtwin.store import Record, Tenant

if TYPE_CHECKING:
    from mailtwin.runtime import Runtime

Key = tuple[str, str]
BATCH = 200
# The longest the event loop is held between two pieces, in seconds.
SLICE = 0.005


class Cut:
    """The whole state at the moment the cut is taken, kept while requests go on.

    Tenants are not copied up front: the store tells the cut before it hands one out (to a
    request or a timer), and the cut pickles it then, once, so what is written is the tenant
    as it was at the cut. Shared state and timers are copied at once.
    """

    def __init__(self, runtime: Runtime) -> None:
        store = runtime.store
        self._store = store
        self.tenants = dict(store.tenants)
        self._pending = set(self.tenants)
        self._frozen: dict[Key, bytes] = {}
        self._thawed: dict[Key, Tenant] = {}
        self.shared: dict[str, Any] = pickle.loads(pickle.dumps(store.shared,
                                                               pickle.HIGHEST_PROTOCOL))
        self.timers = list(store.timers)
        self.seed = runtime.config.seed
        self.now = runtime.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.frozen_clock = runtime.clock.frozen
        store.cuts.append(self)

    def before_change(self, key: Key, tenant: Tenant) -> None:
        """Called by the store before it hands out a tenant that may then change."""
        if key in self._pending:
            self._pending.discard(key)
            if self.tenants.get(key) is tenant:
                self._frozen[key] = pickle.dumps(tenant, pickle.HIGHEST_PROTOCOL)

    def tenant(self, key: Key) -> Tenant:
        """The tenant as it was at the cut."""
        blob = self._frozen.get(key)
        if blob is None:
            return self.tenants[key]
        thawed = self._thawed.get(key)
        if thawed is None:
            self._thawed.clear()
            thawed = self._thawed[key] = pickle.loads(blob)
        return thawed

    def close(self) -> None:
        if self in self._store.cuts:
            self._store.cuts.remove(self)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} values cannot be written as JSON")


def pieces(cut: Cut, secrets: bool) -> Iterator[str]:
    """The state document as JSON text, in pieces small enough to write between requests."""
    known = frozenset() if secrets else frozenset(
        name for (_, name), tenant in cut.tenants.items() if tenant.credential)

    def shown(value: Any) -> Any:
        return value if secrets else redaction.value(value, known)

    yield (f'{{"format":"{FORMAT}","version":{VERSION},"seed":{_dumps(cut.seed)},'
           f'"clock":{_dumps({"now": cut.now, "frozen": cut.frozen_clock})},"tenants":[')
    for number, key in enumerate(cut.tenants):
        yield "," if number else ""
        yield from _tenant(cut, key, shown, secrets)
    yield f'],"shared":{_dumps(shown(cut.shared))},"timers":['
    timers = sorted(cut.timers, key=lambda t: (t.due, t.seq))
    for start in range(0, len(timers), BATCH):
        rows = [timer_row(t, t.tenant if t.tenant not in known
                          else redaction.redacted(t.tenant))
                for t in timers[start:start + BATCH]]
        yield ("," if start else "") + _dumps(rows)[1:-1]
    yield "]}"


def _tenant(cut: Cut, key: Key, shown: Any, secrets: bool) -> Iterator[str]:
    provider, name = key
    tenant = cut.tenant(key)
    label = name if secrets or not tenant.credential else redaction.redacted(name)
    head: dict[str, Any] = {"provider": provider, "tenant": label}
    if tenant.credential:
        head["credential"] = True
    yield _dumps(head)[:-1] + ',"collections":{'
    for number, cname in enumerate(tenant.collections):
        collection = tenant.collections.peek(cname)
        yield ("," if number else "") + _dumps(cname) + ":" + _dumps(
            {"id_field": collection.id_field, "indexes": list(collection.index)})[:-1]
        yield ',"records":['
        # peek: writing out a collection the tenant never touched does not copy it in.
        done, source = 0, tenant
        records: list[Record] = list(collection.records.values())
        while True:
            # Between pieces a request may have had the tenant copied: read the copy then.
            current = cut.tenant(key)
            if current is not source:
                source = current
                records = list(current.collections.peek(cname).records.values())
            batch = records[done:done + BATCH]
            if not batch:
                break
            yield ("," if done else "") + _dumps([shown(r) for r in batch])[1:-1]
            done += len(batch)
        yield "]}"
    tenant = cut.tenant(key)
    rest = {"counters": dict(tenant.counters), "extra": shown(tenant.extra),
            "outbox": tenant.outbox.as_json(),
            "versions": shown([[resource, ident, version]
                               for (resource, ident), version in tenant.versions.items()])}
    yield "}," + _dumps(rest)[1:]


async def stream(runtime: Runtime, secrets: bool) -> AsyncIterator[bytes]:
    """The state document in chunks, handing the event loop back every few milliseconds."""
    cut = Cut(runtime)
    try:
        buffer: list[str] = []
        started = time.perf_counter()
        for piece in pieces(cut, secrets):
            buffer.append(piece)
            if time.perf_counter() - started > SLICE:
                yield "".join(buffer).encode("utf-8")
                buffer = []
                await asyncio.sleep(0)
                started = time.perf_counter()
        yield "".join(buffer).encode("utf-8")
    finally:
        cut.close()


def document(runtime: Runtime, secrets: bool = True) -> dict[str, Any]:
    """The state document at once (what `stream` writes), as JSON values."""
    cut = Cut(runtime)
    try:
        loaded: dict[str, Any] = json.loads("".join(pieces(cut, secrets)))
    finally:
        cut.close()
    return loaded
