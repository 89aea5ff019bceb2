"""Transactional email: a send needs a confirmed sender (its existence is a declared reference)
and an address that is not suppressed, and is a message of the delivery engine; activity logs
and daily reports are computed from the events of those messages."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Happened, Hooks, Record, Reply, rows
from mailtwin.providers.especial.common import rate
from mailtwin.providers.especial.reports import BOUNCE_TYPES, log_kind
from mailtwin.providers.especial.suppression import refuse_suppressed

DAY = 86400
MAX_DAYS = 366
LOG_FIELDS = ("type", "timestamp", "email", "email_id", "group_id", "clickthru_url",
              "dsn_message")


def deliver(ctx: Context, record: Record, **more: Any) -> None:
    """The message of a transactional email just recorded (already merged, as sent)."""
    content = record.get("content") or {}
    sender = record.get("sender") or {}
    ctx.send_message(
        to=str(record["email"]), mailing=("transactional_email", record["id"]),
        subject=str(content.get("subject") or ""), html=content.get("html"),
        text=content.get("text"), sender=str(sender.get("email") or ""),
        sender_name=sender.get("name"), reply_to=record.get("reply_to"),
        meta={"group_id": record.get("group_id"), **more})


def refuse_unconfirmed(ctx: Context, sender: Record, location: tuple[str, ...]) -> None:
    """Refuse a send from a sender that is not confirmed."""
    if not sender.get("confirmed"):
        raise ctx.refuse(f"sender {sender['id']} ({sender.get('email')}) is not confirmed",
                         location)


def send_email(ctx: Context) -> Reply:
    """Send one email now."""
    body = ctx.fields()
    sender = ctx.require("sender", body["sender"]["id"])
    refuse_unconfirmed(ctx, sender, ("body", "sender", "id"))
    refuse_suppressed(ctx, str(body["email"]), ("body", "email"))
    content = body.get("content") or {}
    if not (content.get("html") or content.get("text")):
        raise ctx.refuse("the content needs html or text", ("body", "content"))
    record = ctx.create("transactional_email", {**body, "sender": {
        "id": sender["id"], "email": sender.get("email"),
        "name": body["sender"].get("name") or sender.get("name")}})
    deliver(ctx, record)
    return Reply(201, {"email": record["email"], "object": "email", "sent": True,
                       "data": {"id": record["id"]}})


def _window(ctx: Context) -> tuple[int | None, int | None]:
    start, end = ctx.query.get("start_time"), ctx.query.get("end_time")
    if start is not None and end is not None and end < start:
        raise ctx.refuse("end_time must not be before start_time", ("query", "end_time"))
    return start, end


def _events(ctx: Context) -> list[Happened]:
    """The events of transactional messages sent within the request's window."""
    start, end = _window(ctx)
    return [e for e in ctx.message_events("transactional_email")
            if (start is None or e.message.created >= start)
            and (end is None or e.message.created <= end)]


def _row(event: Happened) -> Record | None:
    kind = log_kind(event)
    if kind is None:
        return None
    return {"type": kind,
            "timestamp": int(event.at), "email": event.message.to,
            "email_id": event.message.mailing,
            "group_id": (event.message.meta or {}).get("group_id"),
            "clickthru_url": event.detail.get("url"), "dsn_message": event.detail.get("reason")}


def email_logs(ctx: Context) -> Reply:
    """The events of transactional emails (`log_type`: one kind, all, or `bounce` for both
    kinds of bounce)."""
    wanted = ctx.query.get("log_type")
    found = [row for row in map(_row, _events(ctx)) if row is not None and (
        wanted == "all" or row["type"] == wanted
        or (wanted == "bounce" and row["type"] in BOUNCE_TYPES.values()))]
    return ctx.page(rows(({"id": n, **row} for n, row in enumerate(found, 1)),
                         render=lambda r: {k: r[k] for k in LOG_FIELDS
                                           if r.get(k) is not None},
                         predicates=ctx.query_plan().predicates))


def email_report(ctx: Context) -> Reply:
    """Per day of sending: the emails sent, and the shares of them delivered ones opened,
    clicked and reported as spam, and of those bounced, as their events say so far."""
    start, end = _window(ctx)
    assert start is not None and end is not None, "the spec requires both"
    first = start - start % DAY
    if (end - first) // DAY >= MAX_DAYS:
        raise ctx.refuse(f"the window spans more than {MAX_DAYS} days", ("query", "end_time"))
    per_day: dict[int, dict[str, set[str]]] = {}
    for event in _events(ctx):
        sent = int(event.message.created)
        kinds = per_day.setdefault(sent - sent % DAY, {})
        kinds.setdefault(event.type, set()).add(event.message.id)
    out = []
    for day in range(first, end + 1, DAY):
        kinds = per_day.get(day, {})
        sent, delivered = len(kinds.get("sent", ())), len(kinds.get("delivered", ()))
        out.append({"date": day, "sent_emails": sent,
                    "open_rate": rate(len(kinds.get("opened", ())), delivered),
                    "bounce_rate": rate(len(kinds.get("bounced", ())), sent),
                    "click_rate": rate(len(kinds.get("clicked", ())), delivered),
                    "spam_rate": rate(len(kinds.get("complained", ())), delivered)})
    return Reply(200, {"data": out})


HOOKS = Hooks.of(send_email, email_logs, email_report)
