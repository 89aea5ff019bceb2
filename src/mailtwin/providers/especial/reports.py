"""Campaign and list reports, link stats and activity logs, each a view over the events of
the campaign messages the sandbox sent (nothing is counted anywhere else)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mailtwin.hooks import Context, Happened, Hooks, Message, Move, Record, Reply, rows
from mailtwin.providers.especial import links
from mailtwin.providers.especial.common import in_window, rate

# Message event types as the logs name them (a bounce by its kind); `delivered` is not logged.
LOG_TYPES = {"sent": "sent", "opened": "open", "clicked": "clickthru", "complained": "spam",
             "unsubscribed": "unsubscribe"}
BOUNCE_TYPES = {"hard": "bounce_hb", "soft": "bounce_sb"}
ZERO_COUNTS = ("bounces_address_changed", "bounces_challenge_response", "bounces_dns_failure",
               "bounces_full_mailbox", "bounces_mail_blocked", "bounces_transient",
               "forwards", "implied_opens")


# The count each message event type adds to (a bounce: by its kind).
COUNTED = {"sent": "sent", "delivered": "delivered", "opened": "opens", "clicked": "clicks",
           "complained": "spams", "unsubscribed": "unsubscribes"}


def counts(messages: list[Message], events: Iterable[Happened]) -> dict[str, int]:
    """What happened to some messages: totals and unique counts by event type."""
    found: dict[str, int] = dict.fromkeys((*COUNTED.values(), "bounces_hard", "bounces_soft"), 0)
    reached: dict[str, set[str]] = {"opened": set(), "clicked": set()}
    for event in events:
        if event.type == "bounced":
            found["bounces_hard" if event.detail.get("bounce") == "hard"
                  else "bounces_soft"] += 1
        elif event.type in COUNTED:
            found[COUNTED[event.type]] += 1
            reached.get(event.type, set()).add(event.message.id)
    found["unique_opens"], found["unique_clicks"] = map(len, reached.values())
    found["recipients"] = len(messages)
    return found


def rates(found: dict[str, int]) -> dict[str, float]:
    """Rates of counts: bounces over sends, engagement over deliveries."""
    delivered, bounces = found["delivered"], found["bounces_hard"] + found["bounces_soft"]
    return {"bounce_rate": rate(bounces, found["sent"]),
            "open_rate": rate(found["unique_opens"], delivered),
            "click_rate": rate(found["unique_clicks"], delivered),
            "clickthru_rate": rate(found["unique_clicks"], found["unique_opens"]),
            "spam_rate": rate(found["spams"], delivered),
            "unsubscribe_rate": rate(found["unsubscribes"], delivered)}


def campaign_report(ctx: Context) -> Reply:
    """Sends, deliveries, opens, clicks, bounces, complaints and unsubscribes of a campaign."""
    record = ctx.require("campaign")
    messages = ctx.messages("campaign", record["id"])
    found = counts(messages, ctx.message_events("campaign", record["id"]))
    sent, bounces = found["sent"], found["bounces_hard"] + found["bounces_soft"]
    stats: dict[str, Any] = dict.fromkeys(ZERO_COUNTS, 0)
    stats.update({
        "active_emails": sent, "sent_emails": sent, "sent_rate": 1.0 if sent else 0.0,
        "bounces": bounces, "bounces_hard": found["bounces_hard"],
        "bounces_soft": found["bounces_soft"], "opens": found["opens"],
        "unique_opens": found["unique_opens"], "clicks": found["clicks"],
        "unique_clicks": found["unique_clicks"], "spams": found["spams"],
        "unsubscribes": found["unsubscribes"],
        "unopens": found["delivered"] - found["unique_opens"],
        "unopen_rate": rate(found["delivered"] - found["unique_opens"], found["delivered"]),
        **rates(found)})
    return Reply(200, {"data": stats})


def list_report(ctx: Context) -> Reply:
    """Contact counts by status and what happened to the campaign messages sent to a list."""
    chosen = ctx.require("list")
    contacts = ctx.records("contact", list_id=chosen["id"])
    by_status: dict[str, int] = {}
    for contact in contacts:
        by_status[str(contact.get("status"))] = by_status.get(str(contact.get("status")), 0) + 1
    messages = ctx.messages("campaign", list_id=chosen["id"])
    found = counts(messages, ctx.message_events("campaign", list_id=chosen["id"]))
    return Reply(200, {"data": {
        "active_contacts": by_status.get("active", 0), "pending_contacts": 0,
        "invalid_contacts": 0, "unsubscribed_contacts": by_status.get("unsubscribed", 0),
        "flagged_contacts": 0, "deleted_contacts": by_status.get("deleted", 0),
        "sent_emails": found["sent"], **rates(found)}})


def log_kind(event: Happened) -> str | None:
    """A message event's type as the logs name it (a bounce by its kind); None: not logged."""
    if event.type == "bounced":
        return BOUNCE_TYPES.get(str(event.detail.get("bounce")))
    return LOG_TYPES.get(event.type)


def log_row(event: Happened) -> Record | None:
    """A message event as the campaign and list logs show it (None: not logged)."""
    kind = log_kind(event)
    if kind is None:
        return None
    meta = event.message.meta or {}
    row: Record = {"contact_id": meta.get("contact_id"), "email": event.message.to,
                   "type": kind, "timestamp": int(event.at), "occurrences": 1,
                   "campaign_id": event.message.mailing}
    if event.type == "clicked":
        row["clickthru_url"] = event.detail.get("url")
    if event.type == "bounced":
        row["dsn_message"] = event.detail.get("reason")
    return row


def events_of(source: Context | Move, campaign: Any = None, list_id: Any = None
              ) -> list[Record]:
    """The logged events of one campaign's messages, or of those sent to one list's contacts
    (or all), oldest first (read through a request's Context or a Move)."""
    meta = {} if list_id is None else {"list_id": list_id}
    happened = source.message_events("campaign", campaign, **meta)
    return [row for row in map(log_row, happened) if row is not None]


def _events(ctx: Context, campaign: Any = None, list_id: Any = None) -> list[Record]:
    """The logged events within the request's start_time and end_time."""
    within = in_window(ctx)
    return [e for e in events_of(ctx, campaign, list_id) if within(e["timestamp"])]


def _page(ctx: Context, events: list[Record], fields: tuple[str, ...]) -> Reply:
    return ctx.page(rows(({"id": number, **event} for number, event in enumerate(events, 1)),
                         render=lambda r: {k: r[k] for k in fields if r.get(k) is not None},
                         predicates=ctx.query_plan().predicates))


LOG_FIELDS = ("id", "contact_id", "email", "type", "timestamp", "occurrences", "clickthru_url",
              "dsn_message")


def activity_logs(ctx: Context) -> Reply:
    """What happened to each recipient of a campaign, or to the contacts of a list across
    campaigns (the resource the path names)."""
    if "campaign_id" in ctx.path:
        return _page(ctx, _events(ctx, ctx.require("campaign")["id"]), LOG_FIELDS)
    chosen = ctx.require("list")
    return _page(ctx, _events(ctx, list_id=chosen["id"]), (*LOG_FIELDS, "campaign_id"))


def campaign_links_report(ctx: Context) -> Reply:
    """The tracked links of a campaign (ids as /campaigns/{id}/links shows them) with their
    clicks: total, and by distinct messages."""
    campaign = ctx.require("campaign")
    tracked = links.track(ctx.tenant, campaign)
    delivered = len(ctx.message_events("campaign", campaign["id"], types=("delivered",)))
    total: dict[str, int] = {}
    unique: dict[str, set[str]] = {}
    for event in ctx.message_events("campaign", campaign["id"], types=("clicked",)):
        url = str(event.detail.get("url"))
        total[url] = total.get(url, 0) + 1
        unique.setdefault(url, set()).add(event.message.id)
    return ctx.page(rows({"id": link["id"], "link": link["url"],
                          "unique": len(unique.get(link["url"], ())),
                          "total": total.get(link["url"], 0),
                          "unique_rate": rate(len(unique.get(link["url"], ())), delivered),
                          "total_rate": rate(total.get(link["url"], 0), delivered)}
                         for link in tracked))


HOOKS = Hooks.of(campaign_links_report, campaign_report, list_report, activity_logs)
