"""Email API (v2) activity computed from the events of the submitted emails' messages: their
events, one summary row per email and counts per interval.

An email's message has `submitted`, then `queued` (or `rejected` for a suppressed address) at
its submission, and, once queued, the events the delivery engine gives it on the clock
(delivered, opened, clicked, bounced, complained, unsubscribed); an email's status, flags and
counters are read from those events.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mailtwin.conventions.timestamps import iso_z
from mailtwin.hooks import Context, Hooks, Message, Reply
from mailtwin.providers.especial import filter_language
from mailtwin.providers.especial.common import rate
from mailtwin.reply import without_nulls
from mailtwin.store import Record

WEEK = 7 * 86400
INTERVALS = {"5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "1d": 86400}
MAX_INTERVALS = 10000
LOG_SORTS = ("id", "time", "submitted_time", "type", "provider")
# Summary statuses that are flags of an email rather than its status.
STATUS_FLAGS = {"bounced": ("soft_bounced", "hard_bounced"), "spam": ("reported_as_spam",),
                "unsubscribed": ("unsubscribed",),
                "global_unsubscribed": ("global_unsubscribed",)}
ENGAGED: dict[str, Callable[[Record], bool]] = {
    "click": lambda r: bool(r.get("click")),
    "open": lambda r: bool(r.get("open")),
    "none": lambda r: not r.get("open") and not r.get("click"),
    "open_not_click": lambda r: bool(r.get("open")) and not r.get("click"),
}


def _moment(ctx: Context, stamp: int) -> int | str:
    """A unix time, or ISO 8601 when the request asks for `iso_time`."""
    return iso_z(datetime.fromtimestamp(stamp, UTC)) if ctx.query.get("iso_time") else stamp


def _email_id(ctx: Context) -> str | None:
    """The `email_id` asked for (validation checked it is a UUID), as lower-case text."""
    raw = ctx.query.get("email_id")
    return None if raw is None else str(raw).lower()


class Selection:
    """The window and tag / provider filters common to the three reads."""

    def __init__(self, ctx: Context) -> None:
        now = int(ctx.now.timestamp())
        self.start = int(ctx.query.get("start_time") or max(now - WEEK, 1))
        self.end = int(ctx.query.get("end_time") or now)
        if self.end < self.start:
            raise ctx.refuse("end_time must not be before start_time", ("query", "end_time"))
        self.tags = filter_language.parse(ctx, "tags")
        self.providers = filter_language.parse(ctx, "providers")

    def emails(self, ctx: Context) -> list[Record]:
        """The submitted emails in the window that pass the filters, oldest first, each with
        its events (see `_events`); their status, flags and counters are kept as their
        messages' events happen (`emails_v2.on_email_message`)."""
        messages = {str(m.mailing): m for m in ctx.messages("email")}
        found = []
        for record in ctx.tenant.collections["email"].records.values():
            when = record.get("submitted_time") or 0
            if not self.start <= when <= self.end:
                continue
            if self.tags and not filter_language.holds(self.tags, set(record.get("tags") or [])):
                continue
            if self.providers and not filter_language.holds(
                    self.providers, {str(record.get("provider"))}):
                continue
            message = messages.get(str(record["email_id"]))
            found.append({**record, "events": _events(record, message)})
        return found

    def parameters(self, ctx: Context, **more: Any) -> dict[str, Any]:
        shown: dict[str, Any] = {"start_time": _moment(ctx, self.start),
                                 "end_time": _moment(ctx, self.end),
                                 "iso_time": bool(ctx.query.get("iso_time")), **more}
        for name, tree in (("tags", self.tags), ("providers", self.providers)):
            if tree is not None:
                shown[name] = tree
        return shown


def _sorted(ctx: Context, rows: list[Record], terms: tuple[str, ...], default: str
            ) -> list[Record]:
    """Rows in the `[-|+]term` order asked for; rows equal by the term follow the order of
    events (reversed along with the term, so the latest event of an email comes first)."""
    given = str(ctx.query.get("sort") or default)
    term = given.lstrip("+-")
    if term not in terms:
        raise ctx.refuse(f"cannot sort by {term!r}; the terms are {', '.join(terms)}",
                         ("query", "sort"))
    textual = term in ("id", "type", "provider")

    def key(item: tuple[int, Record]) -> tuple[Any, int]:
        value = item[1].get(term)
        return (str(value or "") if textual else value or 0), item[0]

    ordered = sorted(enumerate(rows), key=key, reverse=given.startswith("-"))
    return [row for _, row in ordered]


def _page(ctx: Context, rows: list[Any], parameters: dict[str, Any]) -> Reply:
    page, per_page = int(ctx.query.get("page") or 1), int(ctx.query.get("per_page") or 50)
    first = (page - 1) * per_page
    return Reply(200, {"pagination": {"page": page, "per_page": per_page,
                                      "has_more": len(rows) > first + per_page},
                       "parameters": parameters, "data": rows[first:first + per_page]})


# Message event types as the Email API names them.
API_TYPES = {"submitted": "submitted", "queued": "queued", "rejected": "rejected",
             "delivered": "delivered", "opened": "open", "clicked": "click",
             "bounced": "bounce", "complained": "spam", "unsubscribed": "unsubscribe"}


def _events(record: Record, message: Message | None) -> list[tuple[str, int, dict[str, Any]]]:
    """(type, time, details) of what happened to an email's message so far; an email without
    a message (one the sandbox did not submit) shows its submission only."""
    if message is None:
        return [("submitted", int(record.get("submitted_time") or 0), {})]
    return [(API_TYPES[event.type], int(event.at), event.detail or {})
            for event in message.happened() if event.type in API_TYPES]


def email_activity_logs(ctx: Context) -> Reply:
    """The events of submitted emails, filtered by type, email and the common selection."""
    selection = Selection(ctx)
    wanted, email_id = ctx.query.get("log_type") or "all", _email_id(ctx)
    rows: list[Record] = []
    for record in selection.emails(ctx):
        if email_id is not None and str(record["email_id"]) != str(email_id):
            continue
        sender = record.get("sender") or {}
        for number, (kind, when, _) in enumerate(record["events"]):
            if wanted not in ("all", kind):
                continue
            rows.append(without_nulls({
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                     f"{record['email_id']}/{kind}/{number}")),
                "type": kind, "email_id": record["email_id"],
                "time": when, "submitted_time": when,
                "email": record.get("email"), "subject": (record.get("content") or {}).get(
                    "subject"), "provider": record.get("provider"),
                "tags": list(record.get("tags") or []), "sender_name": sender.get("name"),
                "sender_email": sender.get("email")}))
    rows = _sorted(ctx, rows, LOG_SORTS, "-time")
    for row in rows:
        row["time"] = _moment(ctx, row.pop("submitted_time"))
    return _page(ctx, rows, selection.parameters(ctx))


def _address_test(raw: Any) -> Callable[[str], bool]:
    """`==a@b.c` (or no operator), `!=a@b.c`, `~~part`, `!~part`: case-insensitive."""
    text = str(raw).strip().lower()
    operator, value = (text[:2], text[2:]) if text[:2] in ("==", "!=", "~~", "!~") \
        else ("==", text)
    tests: dict[str, Callable[[str], bool]] = {
        "==": lambda a: a == value, "!=": lambda a: a != value,
        "~~": lambda a: value in a, "!~": lambda a: value not in a}
    return tests[operator]


def _status_matches(record: Record, status: str) -> bool:
    flags = STATUS_FLAGS.get(status)
    if flags is not None:
        return any(record.get(flag) for flag in flags)
    return record.get("status") == status


def email_activity_summary(ctx: Context) -> Reply:
    """One row per submitted email: its status, counters and flags."""
    selection = Selection(ctx)
    query, email_id = ctx.query, _email_id(ctx)
    address = _address_test(query["email"]) if query.get("email") is not None else None
    rows: list[Record] = []
    for record in selection.emails(ctx):
        if (email_id is not None and str(record["email_id"]) != email_id) \
                or (query.get("status") and not _status_matches(record, query["status"])) \
                or (query.get("engagement") and not ENGAGED[query["engagement"]](record)) \
                or (address and not address(str(record.get("email") or "").lower())):
            continue
        rows.append(without_nulls({
            "email_id": record["email_id"], "status": record.get("status"),
            "email": record.get("email"),
            "subject": (record.get("content") or {}).get("subject"),
            "tags": list(record.get("tags") or []), "provider": record.get("provider"),
            "submitted_time": record["submitted_time"],
            "unsubscribed": bool(record.get("unsubscribed")),
            "global_unsubscribed": bool(record.get("global_unsubscribed")),
            "soft_bounce": bool(record.get("soft_bounced")),
            "hard_bounce": bool(record.get("hard_bounced")),
            "reported_as_spam": bool(record.get("reported_as_spam")),
            "open": int(record.get("open") or 0), "click": int(record.get("click") or 0)}))
    rows = _sorted(ctx, rows, ("submitted_time",), "-submitted_time")
    for row in rows:
        row["submitted_time"] = _moment(ctx, row["submitted_time"])
    return _page(ctx, rows, selection.parameters(ctx))


def _interval_counts(records: list[Record]) -> dict[str, Any]:
    """The counts and rates of one interval's emails."""
    def count(field: str) -> int:
        return sum(1 for r in records if r.get(field))

    def status(name: str) -> int:
        return sum(1 for r in records if r.get("status") == name)

    submitted, rejected = len(records), status("rejected")
    soft, hard = count("soft_bounced"), count("hard_bounced")
    counts = {
        "submitted": submitted, "rejected": rejected, "error": 0,
        "queued": submitted - rejected, "processed": 0, "delivered": status("delivered"),
        "unique_open": count("open"), "unique_click": count("click"),
        "open": sum(int(r.get("open") or 0) for r in records),
        "click": sum(int(r.get("click") or 0) for r in records),
        "bounce": soft + hard, "hard_bounce": hard, "soft_bounce": soft,
        "spam": count("reported_as_spam"), "unsubscribe": count("unsubscribed"),
        "global_unsubscribe": count("global_unsubscribed")}
    delivered = counts["delivered"]
    rates = {f"{name}_rate": rate(counts[name], delivered)
             for name in ("unique_open", "unique_click", "open", "click", "bounce",
                          "global_unsubscribe", "unsubscribe", "spam")}
    rates.update({"clickthru_rate": rate(counts["unique_click"], counts["unique_open"]),
                  "delivery_rate": rate(delivered, submitted),
                  "error_rate": rate(0, submitted), "reject_rate": rate(rejected, submitted)})
    return {**counts, **rates}


def email_activity_report(ctx: Context) -> Reply:
    """Counts of submitted emails per interval (`1d` unless asked) across the window."""
    selection = Selection(ctx)
    interval = str(ctx.query.get("interval") or "1d")
    size = INTERVALS[interval]
    first = selection.start - selection.start % size
    if (selection.end - first) // size >= MAX_INTERVALS:
        raise ctx.refuse(f"the window holds more than {MAX_INTERVALS} intervals of {interval}",
                         ("query", "interval"))
    by_interval: dict[int, list[Record]] = {}
    for record in selection.emails(ctx):
        when = int(record["submitted_time"])
        by_interval.setdefault(when - when % size, []).append(record)
    rows = [{"interval_start": _moment(ctx, begin), "interval_end": _moment(ctx, begin + size),
             **_interval_counts(by_interval.get(begin, []))}
            for begin in range(first, selection.end + 1, size)]
    return Reply(200, {"parameters": selection.parameters(ctx, interval=interval),
                       "data": rows})


HOOKS = Hooks.of(email_activity_logs, email_activity_summary, email_activity_report)
