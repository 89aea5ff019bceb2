"""What each control-plane operation does, by operationId (the table the control app routes to)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import StreamingResponse

from mailtwin.clock import ClockRangeError, check_moment
from mailtwin.control.credentials import CREDENTIALS
from mailtwin.control.engagement import ENGAGEMENT
from mailtwin.control.outbox import OUTBOX
from mailtwin.control.validation import Call, ControlState, document, problem
from mailtwin.control.views import VIEWS
from mailtwin.conventions.timestamps import parse_iso
from mailtwin.lifecycle import Moved
from mailtwin.redaction import redacted
from mailtwin.runtime import Runtime
from mailtwin.state_stream import stream
from mailtwin.statefile import import_state

Handler = Callable[[Runtime, ControlState, Call], Any]


def health(rt: Runtime, cs: ControlState, call: Call) -> Any:
    return {"status": "ok", "providers": sorted(rt.providers),
            "mounts": {name: p.mount for name, p in sorted(rt.providers.items())},
            "seed": rt.config.seed, "clock": rt.clock.describe()}


def control_openapi(rt: Runtime, cs: ControlState, call: Call) -> Any:
    return document()


def provider_openapi(rt: Runtime, cs: ControlState, call: Call) -> Any:
    name = call.path["provider"]
    provider = rt.providers.get(name)
    if provider is None:
        raise problem(f"no provider named {name!r} (known: {', '.join(sorted(rt.providers))})",
                      ("path", "provider"), 404)
    from mailtwin.openapi import effective_document

    return effective_document(provider)


def _moves(moved: list[Moved]) -> list[dict[str, Any]]:
    return [m.as_json() for m in moved]


def _reseed(rt: Runtime, cs: ControlState, seed: int) -> None:
    """Serve fixtures built with another seed (each seed's fixtures are built once)."""
    if seed == rt.config.seed:
        return
    cs.pristine_by_seed[rt.config.seed] = rt.store.swap_pristine(
        cs.pristine_by_seed.get(seed, {}))
    rt.config = replace(rt.config, seed=seed)
    rt.faults.seed = seed


def reset(rt: Runtime, cs: ControlState, call: Call) -> Any:
    body = call.body
    provider, tenant = body.get("provider"), body.get("tenant")
    whole = provider is None and tenant is None
    if provider is not None and provider not in rt.providers:
        raise problem(f"no provider named {provider!r}", ("body", "provider"))
    if not whole:
        for key in ("snapshot", "seed"):
            if key in body:
                raise problem(f"{key} applies to a reset of everything, not of one provider "
                              "or tenant", ("body", key))
    snapshot = body.get("snapshot")
    if snapshot is not None and snapshot not in rt.snapshots:
        raise problem(f"no snapshot named {snapshot!r}", ("body", "snapshot"), 404)
    moment = _reachable(parse_iso(body["clock"]), ("body", "clock")) if "clock" in body else None
    if whole:
        seed = body.get("seed")
        _reseed(rt, cs, cs.start_seed if seed is None else seed)
    dropped = rt.store.reset(provider, tenant)
    rt.webhooks.reset(provider, tenant)
    if body.get("journal", whole):
        rt.journal.clear()
        rt.journal.resize(rt.config.journal_limit)
        rt.bus.clear()
    if body.get("faults", whole):
        rt.faults.clear()
    if snapshot is not None:
        _restore(rt, snapshot)
    if moment is not None:
        _jump(rt, moment, body.get("frozen", True))
    return {"reset": dropped, "seed": rt.config.seed, "clock": rt.clock.describe()}


def _reachable(moment: datetime | None, where: tuple[str, ...]) -> datetime | None:
    """The moment, or a 400 when the clock cannot show it."""
    if moment is not None:
        try:
            check_moment(moment)
        except ClockRangeError as error:
            raise problem(str(error), where) from None
    return moment


def _jump(rt: Runtime, moment: datetime, frozen: bool) -> None:
    """Put the clock at a moment, frozen there (exactly) or running from it."""
    rt.clock.reset()
    if frozen:
        rt.clock.freeze()
    rt.clock.set(moment)


def list_snapshots(rt: Runtime, cs: ControlState, call: Call) -> Any:
    return {"snapshots": [{"name": name, "bytes": len(blob)}
                          for name, (blob, _) in sorted(rt.snapshots.items())]}


def take_snapshot(rt: Runtime, cs: ControlState, call: Call) -> Any:
    name = call.body["name"]
    others = {n: blob for n, (blob, _) in rt.snapshots.items() if n != name}
    if len(others) >= rt.config.max_snapshots:
        raise problem(f"the sandbox keeps at most {rt.config.max_snapshots} snapshots "
                      "(max_snapshots); delete one first", ("body", "name"), 409)
    blob = rt.store.snapshot()
    held = sum(len(other) for other in others.values())
    if held + len(blob) > rt.config.max_snapshot_bytes:
        raise problem(f"this snapshot takes {len(blob)} bytes and the others {held}: more "
                      f"than the {rt.config.max_snapshot_bytes} bytes snapshots may take "
                      "(max_snapshot_bytes); delete one first", ("body", "name"), 409)
    rt.snapshots[name] = (blob, rt.clock.state())
    return {"name": name, "tenants": len(rt.store.tenants), "clock": rt.clock.describe()}


def _restore(rt: Runtime, name: str) -> None:
    blob, clock = rt.snapshots[name]
    rt.store.restore(blob)
    rt.clock.restore(clock)
    rt.webhooks.cancel()  # deliveries of the state replaced


def _known_snapshot(rt: Runtime, name: str) -> str:
    if name not in rt.snapshots:
        raise problem(f"no snapshot named {name!r}", ("path", "name"), 404)
    return name


def restore_snapshot(rt: Runtime, cs: ControlState, call: Call) -> Any:
    name = _known_snapshot(rt, call.path["name"])
    _restore(rt, name)
    return {"name": name, "tenants": len(rt.store.tenants), "clock": rt.clock.describe()}


def delete_snapshot(rt: Runtime, cs: ControlState, call: Call) -> Any:
    del rt.snapshots[_known_snapshot(rt, call.path["name"])]
    return {"deleted": call.path["name"]}


def export_state_op(rt: Runtime, cs: ControlState, call: Call) -> Any:
    return StreamingResponse(stream(rt, bool(call.query.get("secrets"))),
                             media_type="application/json")


def import_state_op(rt: Runtime, cs: ControlState, call: Call) -> Any:
    state = import_state(rt, call.body)
    return {"tenants": len(state.tenants), "timers": len(state.timers),
            "clock": rt.clock.describe()}


def get_clock(rt: Runtime, cs: ControlState, call: Call) -> Any:
    return rt.clock.describe()


def set_clock(rt: Runtime, cs: ControlState, call: Call) -> Any:
    moment = _reachable(parse_iso(call.body["now"]), ("body", "now"))
    if moment is None:  # the schema's date-time format refuses these first
        raise problem("now must be an ISO 8601 moment", ("body", "now"))
    _jump(rt, moment, call.body.get("frozen", True))
    moved = rt.engine.fire_due(rt.clock.timestamp())
    return {**rt.clock.describe(), "moved": _moves(moved)}


_DURATION = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def duration_seconds(body: dict[str, Any]) -> float:
    """Seconds of `{"seconds", "minutes", "hours", "days"}` and/or an ISO 8601 `duration`."""
    total = (float(body.get("seconds", 0)) + 60 * float(body.get("minutes", 0))
             + 3600 * float(body.get("hours", 0)) + 86400 * float(body.get("days", 0)))
    text = body.get("duration")
    if text is not None:
        match = _DURATION.fullmatch(text)
        if match is None:  # the schema's pattern refuses these first
            raise problem(f"{text!r} is not an ISO 8601 duration", ("body", "duration"))
        weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
        total += (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
    return total


def advance_clock(rt: Runtime, cs: ControlState, call: Call) -> Any:
    seconds = duration_seconds(call.body)
    if seconds > 1000 * 366 * 86400:
        raise problem("the clock can advance at most 1000 years at a time")
    try:
        rt.clock.advance(timedelta(seconds=seconds))
    except ClockRangeError as error:
        raise problem(str(error)) from None
    moved = rt.engine.fire_due(rt.clock.timestamp())
    return {**rt.clock.describe(), "advanced_seconds": seconds, "moved": _moves(moved)}


def freeze_clock(rt: Runtime, cs: ControlState, call: Call) -> Any:
    rt.clock.freeze()
    return rt.clock.describe()


def unfreeze_clock(rt: Runtime, cs: ControlState, call: Call) -> Any:
    rt.clock.unfreeze()
    return rt.clock.describe()


def journal(rt: Runtime, cs: ControlState, call: Call) -> Any:
    q = call.query
    tenant = q.get("tenant")
    entries = rt.journal.query(provider=q.get("provider"), method=q.get("method"),
                               path=q.get("path"), status=q.get("status"),
                               tenant=None if tenant is None else rt.tenant_named(
                                   q.get("provider"), tenant))
    if "last" in q:
        entries = entries[-q["last"]:]
    secrets = bool(q.get("secrets"))
    return {"entries": [e.as_json(secrets) for e in entries], "count": len(entries),
            "limit": rt.journal.limit, "bytes": rt.journal.bytes,
            "max_bytes": rt.journal.max_bytes}


def clear_journal(rt: Runtime, cs: ControlState, call: Call) -> Any:
    dropped = len(rt.journal.entries)
    rt.journal.clear()
    return {"cleared": dropped}


def journal_limit(rt: Runtime, cs: ControlState, call: Call) -> Any:
    rt.journal.resize(call.body["limit"])
    return {"limit": rt.journal.limit, "count": len(rt.journal.entries)}


def list_faults(rt: Runtime, cs: ControlState, call: Call) -> Any:
    return {"faults": [rule.describe() for rule in rt.faults.rules]}


def add_fault(rt: Runtime, cs: ControlState, call: Call) -> Any:
    body = dict(call.body)
    if body.get("provider") is not None and body["provider"] not in rt.providers:
        raise problem(f"no provider named {body['provider']!r}", ("body", "provider"))
    if body["effect"] == "latency" and "latency_ms" not in body:
        raise problem("a latency fault needs latency_ms", ("body", "latency_ms"))
    span = body.get("latency_ms")
    if isinstance(span, list) and span[0] > span[1]:
        raise problem("latency_ms range must be [low, high]", ("body", "latency_ms"))
    if body["effect"] != "error" and "status" in body:
        raise problem("status applies to the error effect only", ("body", "status"))
    return rt.faults.add(**body).describe()


def clear_faults(rt: Runtime, cs: ControlState, call: Call) -> Any:
    dropped = len(rt.faults.rules)
    rt.faults.clear()
    return {"deleted": dropped}


def delete_fault(rt: Runtime, cs: ControlState, call: Call) -> Any:
    ident = call.path["id"]
    if not rt.faults.remove(ident):
        raise problem(f"no fault rule with id {ident}", ("path", "id"), 404)
    return {"deleted": ident}


def webhook_deliveries(rt: Runtime, cs: ControlState, call: Call) -> Any:
    q = call.query
    tenant = q.get("tenant")
    limit = q.get("limit", 100)
    found = rt.webhooks.log.select(
        before=q.get("before"), provider=q.get("provider"), webhook=q.get("webhook"),
        event=q.get("event"), delivery=q.get("delivery"), status=q.get("status"),
        tenant=None if tenant is None else rt.tenant_named(q.get("provider"), tenant))
    page = list(itertools.islice(found, limit + 1))
    more = len(page) > limit
    page = page[:limit]
    return {"deliveries": [a.as_json() for a in page],
            "next": page[-1].seq if more else None, "pending": rt.webhooks.pending(),
            "limit": rt.webhooks.log.limit, "bytes": rt.webhooks.log.bytes}


def redeliver_webhook(rt: Runtime, cs: ControlState, call: Call) -> Any:
    seq = call.path["seq"]
    try:
        delivery, queued = rt.webhooks.redeliver(int(seq))
    except LookupError as error:
        raise problem(str(error.args[0]), ("path", "seq"), 404) from None
    except ValueError as error:
        raise problem(str(error), ("path", "seq"), 409) from None
    return {"delivery": delivery.ident, "attempt": delivery.attempt + 1,
            "webhook": delivery.webhook, "event": delivery.event, "url": delivery.url,
            "queued": queued}


def list_tenants(rt: Runtime, cs: ControlState, call: Call) -> Any:
    wanted = call.query.get("provider")
    secrets = bool(call.query.get("secrets"))
    rows = [{"provider": provider,
             "tenant": redacted(name) if tenant.credential and not secrets else name,
             "collections": {c: tenant.collections.count(c) for c in tenant.collections}}
            for (provider, name), tenant in rt.store.tenants.items()
            if wanted is None or provider == wanted]
    return {"tenants": sorted(rows, key=lambda r: (r["provider"], r["tenant"]))}


OPERATIONS: dict[str, Handler] = {
    "health": health, "control_openapi": control_openapi, "provider_openapi": provider_openapi,
    "reset": reset, "list_snapshots": list_snapshots, "take_snapshot": take_snapshot,
    "restore_snapshot": restore_snapshot, "delete_snapshot": delete_snapshot,
    "export_state": export_state_op, "import_state": import_state_op,
    "get_clock": get_clock, "set_clock": set_clock, "advance_clock": advance_clock,
    "freeze_clock": freeze_clock, "unfreeze_clock": unfreeze_clock, "journal": journal,
    "clear_journal": clear_journal, "journal_limit": journal_limit,
    "list_faults": list_faults, "add_fault": add_fault, "clear_faults": clear_faults,
    "delete_fault": delete_fault, "list_tenants": list_tenants,
    "webhook_deliveries": webhook_deliveries, "redeliver_webhook": redeliver_webhook,
}
OPERATIONS.update(VIEWS)
OPERATIONS.update(CREDENTIALS)
OPERATIONS.update(OUTBOX)
OPERATIONS.update(ENGAGEMENT)
