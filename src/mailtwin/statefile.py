"""The whole sandbox state as a JSON document: export it, and import it back (checked first)."""

from __future__ import annotations

import contextlib
import heapq
import json
import math
import os
import pickle
import stat
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailtwin.clock import LATEST, Clock
from mailtwin.conventions.timestamps import parse_iso
from mailtwin.delivery.engine import KIND
from mailtwin.delivery.outbox import SCHEMA as OUTBOX_SCHEMA
from mailtwin.delivery.outbox import Outbox
from mailtwin.delivery.outbox import from_json as outbox_from_json
from mailtwin.delivery.personalization import SYNTAXES
from mailtwin.errors import ApiError, Location, Problem
from mailtwin.shared_check import check_shared
from mailtwin.store import Collection, Tenant, Timer
from mailtwin.validation import Schemas, Validator

if TYPE_CHECKING:
    from mailtwin.runtime import Runtime

FORMAT = "mailtwin-state"
VERSION = 1


def _stamp(clock: Clock) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def export_state(runtime: Runtime) -> dict[str, Any]:
    """Tenants -> collections -> records, with counters, versions, shared state and timers."""
    # Through JSON text so the answer holds JSON values only (dates become ISO text).
    loaded: dict[str, Any] = json.loads(state_text(runtime))
    return loaded


def state_text(runtime: Runtime) -> str:
    """The whole state as JSON text, read from the live store."""
    store = runtime.store
    return _text(_document(store.tenants, store.shared, store.timers, runtime.config.seed,
                           _stamp(runtime.clock), runtime.clock.frozen))


@dataclass(frozen=True)
class Snapshot:
    """The whole state at one moment, as a pickle: quick to take, turned into text later."""

    store: bytes
    seed: int
    now: str
    frozen: bool

    def text(self) -> str:
        """The snapshot as JSON text (the slow part, which needs no access to the runtime)."""
        tenants, shared, timers, _ = pickle.loads(self.store)
        return _text(_document(tenants, shared, timers, self.seed, self.now, self.frozen))


def take_snapshot(runtime: Runtime) -> Snapshot:
    """A copy of the whole state, consistent when taken between two requests."""
    return Snapshot(runtime.store.snapshot(), runtime.config.seed, _stamp(runtime.clock),
                    runtime.clock.frozen)


def _document(tenants: dict[tuple[str, str], Tenant], shared: dict[str, dict[str, Any]],
              timers: list[Timer], seed: int, now: str, frozen: bool) -> dict[str, Any]:
    rows = []
    for (provider, name), tenant in tenants.items():
        rows.append({
            "provider": provider, "tenant": name,
            "collections": {cname: _collection(tenant.collections.peek(cname))
                            for cname in tenant.collections},
            "counters": dict(tenant.counters), "extra": tenant.extra,
            "outbox": tenant.outbox.as_json(),
            "versions": [[resource, ident, version]
                         for (resource, ident), version in tenant.versions.items()],
            **({"credential": True} if tenant.credential else {})})
    timer_rows = [timer_row(t) for t in sorted(timers)]
    return {"format": FORMAT, "version": VERSION, "seed": seed,
            "clock": {"now": now, "frozen": frozen},
            "tenants": rows, "shared": shared, "timers": timer_rows}


def _collection(collection: Collection) -> dict[str, Any]:
    return {"id_field": collection.id_field, "indexes": list(collection.index),
            "records": list(collection.records.values())}


def timer_row(timer: Timer, tenant: str | None = None) -> dict[str, Any]:
    """A timer as a state document holds it (under another tenant label if given)."""
    return {"due": timer.due, "seq": timer.seq, "provider": timer.provider,
            "tenant": timer.tenant if tenant is None else tenant, "resource": timer.resource,
            "ident": timer.ident, "expect": timer.expect, "move": timer.move,
            "kind": timer.kind}


def _text(document: dict[str, Any]) -> str:
    return json.dumps(document, default=_plain, ensure_ascii=False)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} values cannot be written as JSON")


@dataclass
class Imported:
    """A checked state, ready to put in place."""

    tenants: dict[tuple[str, str], Tenant]
    shared: dict[str, dict[str, Any]]
    timers: list[Timer]
    now: datetime
    frozen: bool


def check_state(runtime: Runtime, document: dict[str, Any]) -> Imported:
    """Build the state a document describes, or raise an ApiError listing every problem."""
    problems: list[Problem] = []

    def problem(at: Location, message: str) -> None:
        problems.append(Problem(("body", *at), message, "value_error"))

    if document.get("format") != FORMAT or document.get("version") != VERSION:
        problem(("format",), f"not a {FORMAT} document of version {VERSION}")
    now = parse_iso(document.get("clock", {}).get("now"))
    if now is None:
        problem(("clock", "now"), "an ISO 8601 moment is required")
    elif now > LATEST:
        problem(("clock", "now"), f"the sandbox clock stops at {LATEST:%Y-%m-%d}")
    shapes = _Shapes(runtime)
    tenants: dict[tuple[str, str], Tenant] = {}
    for i, item in enumerate(document.get("tenants", [])):
        key = (item["provider"], item["tenant"])
        if item["provider"] not in runtime.providers:
            problem(("tenants", i, "provider"), f"unknown provider {item['provider']!r}")
            continue
        if key in tenants:
            problem(("tenants", i), f"tenant {key[1]!r} of {key[0]} appears twice")
            continue
        tenants[key] = _tenant(item, (("tenants", i)), problem, shapes.of(item["provider"]),
                               runtime.config.max_records)
    timers = []
    for i, t in enumerate(document.get("timers", [])):
        if (t["provider"], t["tenant"]) not in tenants:
            problem(("timers", i), "the timer names a tenant the document does not hold")
            continue
        kind = t.get("kind", "move")
        if kind == KIND:
            outbox = tenants[(t["provider"], t["tenant"])].outbox
            if t["ident"] not in outbox.messages or not isinstance(t["expect"], int):
                problem(("timers", i), "the timer names no message of that tenant's outbox")
                continue
        else:
            life = runtime.engine.lifecycle(t["provider"], t["resource"])
            held = tenants[(t["provider"], t["tenant"])].collections
            if life is None or t["move"] >= len(life.timed) or t["resource"] not in held:
                problem(("timers", i), "the timer names no timed move of that resource")
                continue
        if not isinstance(t["ident"], int | str):
            problem(("timers", i, "ident"), "an id is a number or a string")
            continue
        if not _finite(t["due"]):
            problem(("timers", i, "due"), "a due time is a finite number of seconds")
            continue
        timers.append(Timer(float(t["due"]), int(t["seq"]), t["provider"], t["tenant"],
                            t["resource"], t["ident"], t["expect"], int(t["move"]), kind))
    shared = document.get("shared", {})
    for name in shared:
        if name not in runtime.providers:
            problem(("shared", name), f"unknown provider {name!r}")
            continue
        for found in check_shared(runtime.providers[name], runtime.hooks[name].shared,
                                  shared[name]):
            problems.append(Problem(("body", "shared", name, *found.location[1:]),
                                    found.message, found.kind))
    if problems or now is None:
        raise ApiError(400, problems, title="Bad Request")
    heapq.heapify(timers)
    return Imported(tenants, dict(shared), timers, now, bool(document["clock"].get("frozen")))


class _Shapes:
    """The collections (id field and indexes) each provider's tenants hold, from its fixtures."""

    def __init__(self, runtime: Runtime) -> None:
        self._store = runtime.store
        self._known: dict[str, dict[str, Collection]] = {}

    def of(self, provider: str) -> dict[str, Collection]:
        found = self._known.get(provider)
        if found is None:
            pristine = self._store.pristine(provider)
            found = self._known[provider] = {name: pristine.fresh(name)
                                             for name in pristine.blobs}
        return found


def _tenant(item: dict[str, Any], at: Location, problem: Any,
            shapes: dict[str, Collection], max_records: int) -> Tenant:
    tenant = Tenant(counters=dict(item.get("counters", {})), extra=dict(item.get("extra", {})),
                    credential=bool(item.get("credential", False)))
    held = item.get("collections", {})
    for cname in shapes.keys() - held.keys():
        problem((*at, "collections"), f"the {cname} collection is missing")
    for cname, body in held.items():
        shape = shapes.get(cname)
        if shape is None:
            problem((*at, "collections", cname), f"no resource named {cname!r}")
            continue
        if body["id_field"] != shape.id_field:
            problem((*at, "collections", cname, "id_field"),
                    f"the id field of {cname} is {shape.id_field!r}")
            continue
        records = body.get("records", [])
        if len(records) > max_records:
            problem((*at, "collections", cname, "records"),
                    f"{len(records)} records is more than the {max_records} the sandbox keeps")
            continue
        indexes = dict.fromkeys([*shape.index, *body.get("indexes", [])])
        collection = Collection(body["id_field"], indexes, max_records)
        for n, record in enumerate(records):
            where = (*at, "collections", cname, "records", n)
            if not isinstance(record, dict) or body["id_field"] not in record:
                problem(where, f"a record needs its id field {body['id_field']!r}")
                continue
            try:
                collection.insert(dict(record))
            except (KeyError, TypeError) as exc:
                problem(where, str(exc.args[0]) if exc.args else str(exc))
        tenant.collections[cname] = collection
    if "outbox" in item:
        tenant.outbox = _outbox(item["outbox"], item["provider"], item["tenant"], (
            *at, "outbox"), problem)
    for n, row in enumerate(item.get("versions", [])):
        if len(row) != 3 or not isinstance(row[1], int | str) or not isinstance(row[2], int):
            problem((*at, "versions", n), "a version is [resource, id, number]")
            continue
        tenant.versions[(row[0], row[1])] = row[2]
    return tenant


_OUTBOX = Validator(OUTBOX_SCHEMA, Schemas("outbox", OUTBOX_SCHEMA))


def _outbox(value: Any, provider: str, name: str, at: Location, problem: Any) -> Outbox:
    """A tenant's outbox from a document, its shape and references checked."""
    found = _OUTBOX.problems(value, at)
    for item in found:
        problem(item.location, item.message)
    if found:
        return Outbox()
    try:
        return outbox_from_json(value, provider, name, SYNTAXES)
    except ValueError as error:
        problem(at, str(error))
        return Outbox()


def import_state(runtime: Runtime, document: dict[str, Any]) -> Imported:
    """Replace the whole state by the document's; nothing changes if it has a problem."""
    state = check_state(runtime, document)
    store = runtime.store
    store.tenants = state.tenants
    store.shared = state.shared
    store.timers = state.timers
    store.adopt()
    runtime.clock.reset()
    if state.frozen:
        runtime.clock.freeze()
    runtime.clock.set(state.now)
    return state


class StateFileError(Exception):
    """A state file that cannot be read or does not describe a state."""


def load_file(runtime: Runtime, path: Path) -> None:
    """Start from a state file written by `save_file`; StateFileError says what is wrong."""
    from mailtwin.control.validation import validate_state

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        validate_state(document)
        import_state(runtime, document)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StateFileError(f"{path}: {exc}") from None
    except ApiError as error:
        raise StateFileError(f"{path}: {error.summary()}") from None


def save_file(runtime: Runtime, path: Path) -> None:
    """Write the whole state to a file, atomically (see `write_atomic`)."""
    write_atomic(path, state_text(runtime).encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    """Replace a file by new content in one step: a temporary file in the same folder, flushed
    to disk, renamed over the old one; on any failure the old file stays as it was.

    A new file is readable by its owner only, as the state holds tokens; a replaced file keeps
    its permissions.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk too; some file systems
    # cannot sync a folder, and the file itself is already safe there.
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
