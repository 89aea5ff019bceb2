"""Campaign sending: schedule and reschedule (a future time by the sandbox clock, a confirmed
sender, the html_empty rule), suspend, resume, cancel, unarchive, and the sends made when
the clock starts the delivery."""

from __future__ import annotations

from mailtwin.conventions.timestamps import parse_iso
from mailtwin.hooks import Context, Hooks, Move, Reply
from mailtwin.lifecycle import Lifecycle
from mailtwin.providers.especial.audience import recipients
from mailtwin.providers.especial.common import body_of, change, find, lookup, refuse
from mailtwin.store import Record

# Where a cancelled campaign goes: back to a draft before sending, finished while sending.
CANCEL_TARGET = {"scheduled": "active", "delivering": "delivered"}


def _campaign(ctx: Context) -> tuple[Record, Lifecycle]:
    record = find(ctx, "campaign", ctx.path["campaign_id"])
    life = ctx.provider.resources["campaign"].lifecycle
    assert life is not None, "the spec declares the campaign lifecycle"
    return record, life


def _check(ctx: Context, record: Record, life: Lifecycle, action: str) -> Record:
    """The action's declared changes, or its refusal naming the current status."""
    return life.act(record, action, record["id"], ctx.now)


def _when(ctx: Context) -> int:
    """The send time of a schedule body: `date` (unix), `scheduled_for` or `scheduled_at`."""
    body = body_of(ctx)
    for name in ("date", "scheduled_for", "scheduled_at"):
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool):
            raise refuse("must be a unix time or an ISO 8601 date-time", ("body", name))
        if isinstance(value, int | float):
            return int(value)
        moment = parse_iso(value)
        if moment is None:
            raise refuse("must be a unix time or an ISO 8601 date-time", ("body", name))
        return int(moment.timestamp())
    raise refuse("a send time is required: date (unix seconds), scheduled_for or scheduled_at",
                  ("body", "date"))


def _sendable(ctx: Context, record: Record) -> None:
    """Refuse a send that has an unconfirmed or missing sender, or HTML it did not allow."""
    sender = lookup(ctx.tenant, "sender", (record.get("sender") or {}).get("id"))
    if sender is None:
        raise refuse(f"campaign {record['id']} has no existing sender", ("body", "sender"))
    if not sender.get("confirmed"):
        raise refuse(f"sender {sender['id']} ({sender.get('email')}) is not confirmed; "
                     "confirm it before scheduling", ("body", "sender"))
    content = record.get("content") or {}
    if not content.get("html") and not body_of(ctx).get("html_empty"):
        raise refuse(f"campaign {record['id']} has no HTML content; send html_empty=true to "
                     "send its text version only", ("body", "html_empty"))


def schedule_campaign(ctx: Context) -> Reply:
    """Schedule (or reschedule) a campaign for a future time."""
    record, life = _campaign(ctx)
    action = ctx.op.ext.get("action") or "schedule"
    changes = _check(ctx, record, life, action)
    when = _when(ctx)
    if when <= int(ctx.now.timestamp()):
        raise refuse(f"the send time {when} is not in the future (the clock says "
                     f"{int(ctx.now.timestamp())})", ("body", "date"))
    _sendable(ctx, record)
    changes.update({"scheduled_for": when, "suspended": False})
    change(ctx, "campaign", record, changes)
    if action == "reschedule":  # same status: plan the timed move at the new time
        ctx.retime(record, "campaign")
    return ctx.respond(record)


def _hold(ctx: Context, record: Record) -> None:
    """Drop the pending timed moves of a record (they are planned again on resume)."""
    key = ("campaign", record["id"])
    ctx.tenant.versions[key] = ctx.tenant.versions.get(key, 0) + 1


def suspend_campaign(ctx: Context) -> Reply:
    """Hold a scheduled or delivering campaign."""
    record, life = _campaign(ctx)
    changes = _check(ctx, record, life, "suspend")
    if record.get("suspended"):
        raise refuse(f"campaign {record['id']} is already suspended")
    change(ctx, "campaign", record, changes)
    _hold(ctx, record)
    return ctx.respond(record)


def resume_campaign(ctx: Context) -> Reply:
    """Carry on with a suspended campaign; a send time already passed starts it now."""
    record, life = _campaign(ctx)
    changes = _check(ctx, record, life, "resume")
    if not record.get("suspended"):
        raise refuse(f"campaign {record['id']} is not suspended (its status is "
                     f"{record.get('status')})")
    when = record.get("scheduled_for")
    if record.get("status") == "scheduled" and isinstance(when, int) and when < ctx.stamp():
        changes["scheduled_for"] = ctx.stamp()  # the time passed while held: send now
    change(ctx, "campaign", record, changes)
    ctx.retime(record, "campaign")
    return ctx.respond(record)


def cancel_campaign(ctx: Context) -> Reply:
    """Stop a campaign: a scheduled one becomes a draft again, a delivering one finishes."""
    record, life = _campaign(ctx)
    changes = _check(ctx, record, life, "cancel")
    target = CANCEL_TARGET[str(record["status"])]
    changes["status"] = target
    if target == "active":
        changes.update({"scheduled_for": None, "scheduled_on": None})
    else:
        changes["delivery_finished_on"] = ctx.stamp()
    change(ctx, "campaign", record, changes)
    return ctx.respond(record)


def unarchive_campaign(ctx: Context) -> Reply:
    """Bring an archived campaign back to the status it was archived from."""
    record, life = _campaign(ctx)
    changes = _check(ctx, record, life, "unarchive")
    changes.update({"status": record.get("archived_from") or "active", "archived_from": None})
    change(ctx, "campaign", record, changes)
    return ctx.respond(record)


def _deliver(move: Move) -> None:
    """When delivery starts, send to every recipient the audience has at that moment."""
    tenant = move.tenant
    record = move.record
    target = move.target
    moment = move.moment
    if target != "delivering":
        return
    stamp = int(moment.timestamp())
    sends = [{"contact_id": c["id"], "email": c["email"], "list_id": c.get("list_id"),
              "timestamp": stamp} for c in recipients(tenant, record.get("audience") or {})]
    tenant.extra.setdefault("sends", {})[record["id"]] = sends


HOOKS = Hooks(operations={
    "schedule_campaign": schedule_campaign, "suspend_campaign": suspend_campaign,
    "resume_campaign": resume_campaign, "cancel_campaign": cancel_campaign,
    "unarchive_campaign": unarchive_campaign},
              moves={"campaign": [_deliver]})

