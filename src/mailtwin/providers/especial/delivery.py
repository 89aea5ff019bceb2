"""Campaign sending: schedule and reschedule (a future time by the sandbox clock, a confirmed
sender, the html_empty rule), suspend, resume, cancel, unarchive, and the messages sent when
the clock starts the delivery."""

from __future__ import annotations

from mailtwin.conventions.timestamps import parse_iso
from mailtwin.hooks import Context, Hooks, Move, Record, Reply
from mailtwin.providers.especial.audience import recipients
from mailtwin.providers.especial.common import attributes

# Where a cancelled campaign goes: back to a draft before sending, finished while sending.
CANCEL_TARGET = {"scheduled": "active", "delivering": "delivered"}


def _when(ctx: Context) -> int:
    """The send time of a schedule body: `date` (unix), `scheduled_for` or `scheduled_at`."""
    body = ctx.fields()
    for name in ("date", "scheduled_for", "scheduled_at"):
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool):
            raise ctx.refuse("must be a unix time or an ISO 8601 date-time", ("body", name))
        if isinstance(value, int | float):
            return int(value)
        moment = parse_iso(value)
        if moment is None:
            raise ctx.refuse("must be a unix time or an ISO 8601 date-time", ("body", name))
        return int(moment.timestamp())
    raise ctx.refuse("a send time is required: date (unix seconds), scheduled_for or "
                     "scheduled_at", ("body", "date"))


def _sendable(ctx: Context, record: Record) -> None:
    """Refuse a send that has an unconfirmed or missing sender, or HTML it did not allow."""
    sender = ctx.record("sender", (record.get("sender") or {}).get("id"))
    if sender is None:
        raise ctx.refuse(f"campaign {record['id']} has no existing sender", ("body", "sender"))
    if not sender.get("confirmed"):
        raise ctx.refuse(f"sender {sender['id']} ({sender.get('email')}) is not confirmed; "
                         "confirm it before scheduling", ("body", "sender"))
    content = record.get("content") or {}
    if not content.get("html") and not ctx.fields().get("html_empty"):
        raise ctx.refuse(f"campaign {record['id']} has no HTML content; send html_empty=true "
                         "to send its text version only", ("body", "html_empty"))


def schedule_campaign(ctx: Context) -> Reply:
    """Schedule (or reschedule) a campaign for a future time."""
    record = ctx.require()
    action = ctx.op.ext.get("action") or "schedule"
    changes = ctx.plan(record, action)
    when = _when(ctx)
    if when <= int(ctx.now.timestamp()):
        raise ctx.refuse(f"the send time {when} is not in the future (the clock says "
                         f"{int(ctx.now.timestamp())})", ("body", "date"))
    _sendable(ctx, record)
    ctx.apply(None, record, {**changes, "scheduled_for": when, "suspended": False})
    if action == "reschedule":  # same status: plan the timed move at the new time
        ctx.retime(record)
    return ctx.respond(record)


def suspend_campaign(ctx: Context) -> Reply:
    """Hold a scheduled or delivering campaign; its timed moves wait for the resume."""
    record = ctx.require()
    changes = ctx.plan(record, "suspend")
    if record.get("suspended"):
        raise ctx.refuse(f"campaign {record['id']} is already suspended")
    ctx.announce(ctx.apply(None, record, changes), "suspend")
    ctx.hold(record)
    return ctx.respond(record)


def resume_campaign(ctx: Context) -> Reply:
    """Carry on with a suspended campaign; a send time already passed starts it now."""
    record = ctx.require()
    changes = ctx.plan(record, "resume")
    if not record.get("suspended"):
        raise ctx.refuse(f"campaign {record['id']} is not suspended (its status is "
                         f"{record.get('status')})")
    when = record.get("scheduled_for")
    if record.get("status") == "scheduled" and isinstance(when, int) and when < ctx.stamp():
        changes["scheduled_for"] = ctx.stamp()  # the time passed while held: send now
    ctx.announce(ctx.apply(None, record, changes), "resume")
    ctx.retime(record)
    return ctx.respond(record)


def cancel_campaign(ctx: Context) -> Reply:
    """Stop a campaign: a scheduled one becomes a draft again, a delivering one finishes."""
    record = ctx.require()
    changes = ctx.plan(record, "cancel")
    target = CANCEL_TARGET[str(record["status"])]
    changes["status"] = target
    if target == "active":
        changes.update({"scheduled_for": None, "scheduled_on": None})
    else:
        changes["delivery_finished_on"] = ctx.stamp()
    ctx.announce(ctx.apply(None, record, changes), "cancel")
    return ctx.respond(record)


def unarchive_campaign(ctx: Context) -> Reply:
    """Bring an archived campaign back to the status it was archived from."""
    record = ctx.require()
    ctx.move(record, "unarchive", also={"status": record.get("archived_from") or "active",
                                        "archived_from": None})
    return ctx.respond(record)


def _deliver(move: Move) -> None:
    """When delivery starts, one message goes to every recipient the audience has at that
    moment, personalized with the contact's attributes."""
    if move.target != "delivering":
        return
    campaign = move.record
    content = campaign.get("content") or {}
    named = campaign.get("sender") or {}
    sender = move.tenant.collections["sender"].get(named.get("id")) or named
    for contact in recipients(move.tenant, campaign.get("audience") or {}):
        move.send_message(
            to=str(contact["email"]), mailing=("campaign", campaign["id"]),
            subject=str(content.get("subject") or campaign.get("name") or ""),
            html=content.get("html"), text=content.get("text"),
            sender=str(sender.get("email") or ""), sender_name=sender.get("name"),
            reply_to=sender.get("reply_to"), values=attributes(contact),
            meta={"contact_id": contact["id"], "list_id": contact.get("list_id")})


HOOKS = Hooks.of(schedule_campaign, suspend_campaign, resume_campaign, cancel_campaign,
                 unarchive_campaign, moves={"campaign": [_deliver]})
