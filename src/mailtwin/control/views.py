"""Read-only control-plane views of the state: upcoming timed moves, moves made, one journal
entry, and the records of a tenant."""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from mailtwin import redaction
from mailtwin.control.validation import Call, problem
from mailtwin.lifecycle import Lifecycle, Moved
from mailtwin.provider import Provider
from mailtwin.resource import Resource
from mailtwin.runtime import Runtime
from mailtwin.store import Tenant, Timer

if TYPE_CHECKING:
    from mailtwin.control.validation import ControlState


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _json(value: Any) -> Any:
    """The value with JSON types only (dates as ISO text)."""
    return json.loads(json.dumps(value, default=_plain))


def live_timers(rt: Runtime, limit: int, wanted: Callable[[Timer], bool] | None = None
                ) -> list[tuple[Timer, Lifecycle]]:
    """Up to `limit` pending timers that will still fire, earliest first (superseded ones
    are skipped)."""
    heap = [timer for timer in rt.store.timers if timer.kind == "move"]
    heapq.heapify(heap)
    out: list[tuple[Timer, Lifecycle]] = []
    while heap and len(out) < limit:
        timer = heapq.heappop(heap)
        if wanted is not None and not wanted(timer):
            continue
        tenant = rt.store.peek(timer.provider, timer.tenant)
        life = rt.engine.lifecycle(timer.provider, timer.resource)
        if (tenant is None or life is None
                or tenant.versions.get((timer.resource, timer.ident), 0) != timer.expect
                or tenant.collections[timer.resource].get(timer.ident) is None):
            continue
        out.append((timer, life))
    return out


def _timer_json(timer: Timer, life: Lifecycle, rt: Runtime, secrets: bool
                ) -> dict[str, Any]:
    move = life.timed[timer.move]
    return {"due": _iso(timer.due), "provider": timer.provider,
            "tenant": timer.tenant if secrets else rt.tenant_label(timer.provider, timer.tenant),
            "resource": timer.resource, "id": timer.ident, "from": move.source,
            "to": move.target}


def _move_json(moved: Moved, rt: Runtime, secrets: bool) -> dict[str, Any]:
    shown = moved.as_json()
    if not secrets:
        shown["tenant"] = rt.tenant_label(moved.provider, moved.tenant)
    return shown


def upcoming_moves(rt: Runtime, cs: ControlState, call: Call) -> Any:
    timers = live_timers(rt, call.query.get("limit", 20))
    secrets = bool(call.query.get("secrets"))
    return {"now": rt.clock.describe()["now"],
            "upcoming": [_timer_json(t, life, rt, secrets) for t, life in timers]}


def moves(rt: Runtime, cs: ControlState, call: Call) -> Any:
    q = call.query
    found = rt.journal.moves_of(q.get("provider"), q.get("tenant"), q.get("resource"),
                                q.get("id"))
    if "last" in q:
        found = found[-q["last"]:]
    secrets = bool(q.get("secrets"))
    return {"moves": _json([_move_json(m, rt, secrets) for m in found]), "count": len(found)}


def journal_entry(rt: Runtime, cs: ControlState, call: Call) -> Any:
    seq = call.path["seq"]
    entry = rt.journal.get(seq)
    if entry is None:
        raise problem(f"no journal entry {seq} (it may have been dropped or cleared)",
                      ("path", "seq"), 404)
    return entry.as_json(bool(call.query.get("secrets")))


def _place(rt: Runtime, query: dict[str, Any]) -> tuple[Provider, Tenant, Resource]:
    """The provider, existing tenant and resource a query names, or a 404."""
    name = query["provider"]
    provider = rt.providers.get(name)
    if provider is None:
        raise problem(f"no provider named {name!r}", ("query", "provider"), 404)
    resource = provider.resources.get(query["resource"])
    if resource is None:
        known = ", ".join(sorted(provider.resources))
        raise problem(f"{name} has no resource {query['resource']!r} (known: {known})",
                      ("query", "resource"), 404)
    query["tenant"] = rt.tenant_named(name, query["tenant"])
    tenant = rt.store.peek(name, query["tenant"])
    if tenant is None:
        raise problem(f"{name} has no tenant {query['tenant']!r} yet (a tenant is created "
                      "by its first request)", ("query", "tenant"), 404)
    return provider, tenant, resource


def _matches(record: dict[str, Any], needle: str) -> bool:
    return needle in json.dumps(record, default=_plain, ensure_ascii=False).lower()


def list_records(rt: Runtime, cs: ControlState, call: Call) -> Any:
    q = call.query
    _, tenant, resource = _place(rt, q)
    collection = tenant.collections[resource.name]
    offset, limit = q.get("offset", 0), q.get("limit", 50)
    needle = q.get("q", "").strip().lower()
    records: Any = collection.records.values()
    if needle:
        found = [r for r in records if _matches(r, needle)]
        total, page = len(found), found[offset:offset + limit]
    else:
        total, page = len(collection), list(islice(records, offset, offset + limit))
    life = resource.lifecycle
    secrets = bool(q.get("secrets"))
    shown = _json(page) if secrets else redaction.value(_json(page))
    label = q["tenant"] if secrets else rt.tenant_label(q["provider"], q["tenant"])
    return {"provider": q["provider"], "tenant": label, "resource": resource.name,
            "id_field": resource.id_field, "state_field": life.field if life else None,
            "total": total, "offset": offset, "limit": limit, "records": shown}


def _action_routes(rt: Runtime, provider: Provider, resource: Resource) -> dict[str, list[str]]:
    """Action name -> the provider operations (`METHOD /path`) that perform it."""
    routes: dict[str, list[str]] = {}
    for op in rt.operations:
        if op.provider is not provider or op.resource is not resource:
            continue
        ext = op.ext
        names: list[str] = []
        if "action_from" in ext:
            names = [str(v) for v in ext["action_from"]["map"].values()]
        elif ext.get("action"):
            names = [str(ext["action"])]
        elif op.kind == "action":
            names = [op.spec.path.rstrip("/").rsplit("/", 1)[-1]]
        for action in dict.fromkeys(names):
            routes.setdefault(action, []).append(f"{op.spec.method} {op.full_path}")
    return routes


def describe_lifecycle(rt: Runtime, provider: Provider, resource: Resource,
                       state: Any) -> dict[str, Any] | None:
    """The declared state machine of a resource, and what it allows from `state`."""
    life = resource.lifecycle
    if life is None:
        return None
    declared = provider.spec.lifecycles[life.name].get("states", [])
    routes = _action_routes(rt, provider, resource)
    actions = [{"name": a.name, "from": sorted(a.sources, key=str) if a.sources is not None
                else None, "to": a.target,
                "allowed": a.sources is None or state in a.sources,
                "operations": routes.get(a.name, [])} for a in life.actions.values()]
    timed = [{"from": t.source, "to": t.target, "at": t.at, "after": t.after}
             for t in life.timed]
    return {"name": life.name, "field": life.field, "state": state, "initial": life.initial,
            "states": list(declared), "actions": actions, "timed": timed}


def get_record(rt: Runtime, cs: ControlState, call: Call) -> Any:
    q = call.query
    provider, tenant, resource = _place(rt, q)
    ident = resource.ident(q["id"])
    record = tenant.collections[resource.name].get(ident) if ident is not None else None
    if record is None:
        raise problem(f"no {resource.name} {q['id']!r} in tenant {q['tenant']!r}",
                      ("query", "id"), 404)
    life = resource.lifecycle
    state = record.get(life.field) if life else None

    def mine(timer: Timer) -> bool:
        return (timer.provider == provider.name and timer.tenant == q["tenant"]
                and timer.resource == resource.name and timer.ident == ident)

    history = rt.journal.moves_of(provider.name, q["tenant"], resource.name, str(ident))
    secrets = bool(q.get("secrets"))
    shown = _json(record) if secrets else redaction.value(_json(record))
    label = q["tenant"] if secrets else rt.tenant_label(provider.name, q["tenant"])
    return _json({
        "provider": provider.name, "tenant": label, "resource": resource.name,
        "id": ident, "id_field": resource.id_field, "record": shown,
        "lifecycle": describe_lifecycle(rt, provider, resource, state),
        "moves": [_move_json(m, rt, secrets) for m in history],
        "upcoming": [_timer_json(t, life, rt, secrets)
                     for t, life in live_timers(rt, 100, mine)]})


VIEWS = {"upcoming_moves": upcoming_moves, "moves": moves, "journal_entry": journal_entry,
         "list_records": list_records, "get_record": get_record}
