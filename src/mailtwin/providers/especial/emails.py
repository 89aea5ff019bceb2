"""Transactional email: a send needs an existing, confirmed sender and an address that is not
suppressed; activity logs and daily reports are computed from the sends recorded."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.listing import Listing
from mailtwin.providers.especial.common import body_of, lookup, refuse
from mailtwin.providers.especial.suppression import is_suppressed
from mailtwin.store import Collection, Record

DAY = 86400
MAX_DAYS = 366
LOG_FIELDS = ("type", "timestamp", "email", "email_id", "group_id")


def send_email(ctx: Context) -> Reply:
    """Send one email now."""
    body = body_of(ctx)
    sender_id = (body.get("sender") or {}).get("id")
    sender = lookup(ctx.tenant, "sender", sender_id)
    if sender is None:
        raise refuse(f"sender {sender_id} does not exist", ("body", "sender", "id"))
    if not sender.get("confirmed"):
        raise refuse(f"sender {sender_id} ({sender.get('email')}) is not confirmed",
                     ("body", "sender", "id"))
    if is_suppressed(ctx.tenant, str(body["email"])):
        raise refuse(f"{body['email']} is suppressed; it receives no email", ("body", "email"))
    content = body.get("content") or {}
    if not (content.get("html") or content.get("text")):
        raise refuse("the content needs html or text", ("body", "content"))
    resource = ctx.provider.resources["transactional_email"]
    fields = {**body, "sender": {"id": sender["id"], "email": sender.get("email"),
                                 "name": (body.get("sender") or {}).get("name")
                                 or sender.get("name")}}
    record = ctx.insert(resource.name, ctx.new(resource.name, fields))
    return Reply(201, {"email": record["email"], "object": "email", "sent": True,
                       "data": {"id": record["id"]}})


def _window(ctx: Context) -> tuple[int | None, int | None]:
    start, end = ctx.query.get("start_time"), ctx.query.get("end_time")
    if start is not None and end is not None and end < start:
        raise refuse("end_time must not be before start_time", ("query", "end_time"))
    return start, end


def _sent(ctx: Context) -> list[Record]:
    start, end = _window(ctx)
    return [r for r in ctx.tenant.collections["transactional_email"].records.values()
            if (start is None or r["submitted_time"] >= start)
            and (end is None or r["submitted_time"] <= end)]


def email_logs(ctx: Context) -> Reply:
    """Send events of transactional emails (the sandbox records sends only)."""
    wanted = ctx.query.get("log_type")
    collection = Collection("id")
    for record in _sent(ctx):
        if wanted in ("sent", "all"):
            collection.insert({"id": record["id"], "type": "sent",
                               "timestamp": record["submitted_time"], "email": record["email"],
                               "email_id": record["id"], "group_id": record.get("group_id")})
    plan = ctx.query_plan()
    found = Listing(collection, collection.ids(), plan.predicates,
                    lambda r: {k: r.get(k) for k in LOG_FIELDS})
    return ctx.page(found)


def email_report(ctx: Context) -> Reply:
    """Sends per day between start_time and end_time."""
    start, end = _window(ctx)
    assert start is not None and end is not None, "the spec requires both"
    first = start - start % DAY
    if (end - first) // DAY >= MAX_DAYS:
        raise refuse(f"the window spans more than {MAX_DAYS} days", ("query", "end_time"))
    per_day: dict[int, int] = {}
    for record in _sent(ctx):
        day = record["submitted_time"] - record["submitted_time"] % DAY
        per_day[day] = per_day.get(day, 0) + 1
    rows: list[dict[str, Any]] = []
    for day in range(first, end + 1, DAY):
        rows.append({"date": day, "sent_emails": per_day.get(day, 0), "open_rate": 0.0,
                     "bounce_rate": 0.0, "click_rate": 0.0, "spam_rate": 0.0})
    return Reply(200, {"data": rows})


HOOKS = Hooks(operations={
    "send_email": send_email, "email_logs": email_logs, "email_report": email_report})
