"""The control plane's outbox: the messages providers sent (filtered, newest first, paged),
one message with its parts and event timeline, the message as an .eml file, and the rates of
the delivery simulation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from mailtwin.control.validation import Call, problem
from mailtwin.delivery.eml import eml_bytes
from mailtwin.delivery.message import Message
from mailtwin.delivery.model import DEFAULT_RATES
from mailtwin.runtime import Runtime

if TYPE_CHECKING:
    from mailtwin.control.validation import ControlState


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def summary(rt: Runtime, message: Message) -> dict[str, Any]:
    """A message as the outbox lists it."""
    happened = message.happened()
    return {"id": message.id, "provider": message.provider,
            "tenant": rt.tenant_label(message.provider, message.tenant),
            "mailing": {"resource": message.resource, "id": message.mailing},
            "to": message.to, "from": message.body.sender,
            "subject": message.part("subject"), "sent_at": _iso(message.created),
            "events": [event.type for event in happened],
            "last_event": happened[-1].type if happened else None}


def detail(rt: Runtime, message: Message) -> dict[str, Any]:
    """A message with its rendered parts, headers, meta and event timeline."""
    return {**summary(rt, message), "from_name": message.body.sender_name,
            "reply_to": message.body.reply_to, "html": message.part("html"),
            "text": message.part("text"), "headers": message.headers(),
            "meta": message.meta or {},
            "timeline": [{"type": event.type, "at": _iso(event.at), **(event.detail or {})}
                         for event in message.happened()],
            "pending": len(message.timeline) - message.fired}


def chosen(rt: Runtime, query: dict[str, Any]) -> list[Message]:
    """The messages a query's filters keep, newest first."""
    provider, tenant = query.get("provider"), query.get("tenant")
    if provider is not None and provider not in rt.providers:
        raise problem(f"no provider named {provider!r}", ("query", "provider"), 404)
    if tenant is not None:
        tenant = rt.tenant_named(provider, tenant)
    resource, mailing = query.get("resource"), query.get("mailing")
    to = (query.get("to") or "").strip().lower()
    subject = (query.get("subject") or "").lower()
    event = query.get("event")
    found: list[Message] = []
    for (owner, name), held in list(rt.store.tenants.items()):
        if (provider is not None and owner != provider) or (tenant is not None
                                                            and name != tenant):
            continue
        for message in held.outbox:
            if (resource is not None and message.resource != resource) \
                    or (mailing is not None and str(message.mailing) != mailing) \
                    or (to and message.to.lower() != to) \
                    or (event is not None and event not in message.types()) \
                    or (subject and subject not in (message.part("subject") or "").lower()):
                continue
            found.append(message)
    found.sort(key=lambda m: (m.created, m.seq), reverse=True)
    return found


def list_outbox(rt: Runtime, cs: ControlState, call: Call) -> Any:
    q = call.query
    found = chosen(rt, q)
    offset, limit = q.get("offset", 0), q.get("limit", 50)
    return {"count": len(found), "offset": offset, "limit": limit,
            "messages": [summary(rt, m) for m in found[offset:offset + limit]]}


def find(rt: Runtime, ident: str) -> Message:
    """A message by its id, or a 404."""
    for held in list(rt.store.tenants.values()):
        found = held.outbox.messages.get(ident)
        if found is not None:
            return found
    raise problem(f"no message {ident!r} in the outbox (it may have been dropped as the "
                  "outbox filled up, or reset)", ("path", "id"), 404)


def get_message(rt: Runtime, cs: ControlState, call: Call) -> Any:
    return detail(rt, find(rt, call.path["id"]))


def get_message_eml(rt: Runtime, cs: ControlState, call: Call) -> Any:
    message = find(rt, call.path["id"])
    return Response(eml_bytes(message), media_type="message/rfc822", headers={
        "content-disposition": f'attachment; filename="{message.id}.eml"'})


def _tenant_of(rt: Runtime, provider: str, tenant: str | None, where: str,
               create: bool) -> Any:
    """The tenant a simulation call names (None for the provider's own rates), created
    from the fixtures on first use when `create`, else None while it does not exist."""
    if provider not in rt.providers:
        raise problem(f"no provider named {provider!r}", (where, "provider"), 404)
    if tenant is None:
        return None
    name = rt.tenant_named(provider, tenant)
    return rt.store.tenant(provider, name) if create else rt.store.peek(provider, name)


def get_simulation(rt: Runtime, cs: ControlState, call: Call) -> Any:
    q = call.query
    held = _tenant_of(rt, q["provider"], q.get("tenant"), "query", create=False)
    own = held.outbox.rates if held is not None else {}
    return {"provider": q["provider"], "tenant": q.get("tenant"), "defaults": DEFAULT_RATES,
            "provider_rates": rt.store.shared.get(q["provider"], {}).get("simulation", {}),
            "tenant_rates": dict(own), "rates": rt.delivery.rates(q["provider"], held)}


def set_simulation(rt: Runtime, cs: ControlState, call: Call) -> Any:
    body = call.body
    held = _tenant_of(rt, body["provider"], body.get("tenant"), "body", create=True)
    rates = {name: float(value) for name, value in body["rates"].items()}
    if held is None:
        rt.store.shared_state(body["provider"]).setdefault("simulation", {}).update(rates)
    else:
        held.outbox.rates.update(rates)
    return {"provider": body["provider"], "tenant": body.get("tenant"),
            "rates": rt.delivery.rates(body["provider"], held)}


OUTBOX = {"list_outbox": list_outbox, "get_message": get_message,
          "get_message_eml": get_message_eml, "get_simulation": get_simulation,
          "set_simulation": set_simulation}
