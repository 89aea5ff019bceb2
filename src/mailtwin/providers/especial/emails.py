"""Transactional email: a send needs a confirmed sender (its existence is a declared reference)
and an address that is not suppressed; activity logs and daily reports are computed from the
sends recorded."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Record, Reply, rows
from mailtwin.providers.especial.suppression import is_suppressed

DAY = 86400
MAX_DAYS = 366
LOG_FIELDS = ("type", "timestamp", "email", "email_id", "group_id")


def send_email(ctx: Context) -> Reply:
    """Send one email now."""
    body = ctx.fields()
    sender = ctx.require("sender", body["sender"]["id"])
    if not sender.get("confirmed"):
        raise ctx.refuse(f"sender {sender['id']} ({sender.get('email')}) is not confirmed",
                         ("body", "sender", "id"))
    if is_suppressed(ctx.tenant, str(body["email"])):
        raise ctx.refuse(f"{body['email']} is suppressed; it receives no email",
                         ("body", "email"))
    content = body.get("content") or {}
    if not (content.get("html") or content.get("text")):
        raise ctx.refuse("the content needs html or text", ("body", "content"))
    record = ctx.create("transactional_email", {**body, "sender": {
        "id": sender["id"], "email": sender.get("email"),
        "name": body["sender"].get("name") or sender.get("name")}})
    return Reply(201, {"email": record["email"], "object": "email", "sent": True,
                       "data": {"id": record["id"]}})


def _window(ctx: Context) -> tuple[int | None, int | None]:
    start, end = ctx.query.get("start_time"), ctx.query.get("end_time")
    if start is not None and end is not None and end < start:
        raise ctx.refuse("end_time must not be before start_time", ("query", "end_time"))
    return start, end


def _sent(ctx: Context) -> list[Record]:
    start, end = _window(ctx)
    return [r for r in ctx.tenant.collections["transactional_email"].records.values()
            if (start is None or r["submitted_time"] >= start)
            and (end is None or r["submitted_time"] <= end)]


def email_logs(ctx: Context) -> Reply:
    """Send events of transactional emails (the sandbox records sends only)."""
    sent = _sent(ctx) if ctx.query.get("log_type") in ("sent", "all") else []
    return ctx.page(rows(({"id": r["id"], "type": "sent", "timestamp": r["submitted_time"],
                           "email": r["email"], "email_id": r["id"],
                           "group_id": r.get("group_id")} for r in sent),
                         render=lambda r: {k: r.get(k) for k in LOG_FIELDS},
                         predicates=ctx.query_plan().predicates))


def email_report(ctx: Context) -> Reply:
    """Sends per day between start_time and end_time."""
    start, end = _window(ctx)
    assert start is not None and end is not None, "the spec requires both"
    first = start - start % DAY
    if (end - first) // DAY >= MAX_DAYS:
        raise ctx.refuse(f"the window spans more than {MAX_DAYS} days", ("query", "end_time"))
    per_day: dict[int, int] = {}
    for record in _sent(ctx):
        day = record["submitted_time"] - record["submitted_time"] % DAY
        per_day[day] = per_day.get(day, 0) + 1
    return Reply(200, {"data": [
        {"date": day, "sent_emails": per_day.get(day, 0), "open_rate": 0.0,
         "bounce_rate": 0.0, "click_rate": 0.0, "spam_rate": 0.0}
        for day in range(first, end + 1, DAY)]})


HOOKS = Hooks.of(send_email, email_logs, email_report)
