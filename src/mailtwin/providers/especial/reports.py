"""Reports and activity logs computed from the sandbox's own sends and contacts.

The sandbox sends but has no readers, so opens, clicks and bounces stay at zero; sends and
unsubscribes after a send are counted from state.
"""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Hooks, Record, Reply, Tenant, rows
from mailtwin.providers.especial import links

ZERO_COUNTS = ("bounces", "bounces_address_changed", "bounces_challenge_response",
               "bounces_dns_failure", "bounces_full_mailbox", "bounces_hard",
               "bounces_mail_blocked", "bounces_soft", "bounces_transient", "clicks",
               "forwards", "implied_opens", "opens", "spams", "unique_clicks", "unique_opens")


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _unsubscribed_after(tenant: Tenant, sends: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sends whose contact unsubscribed at or after the send."""
    out = []
    for send in sends:
        contact = tenant.collections["contact"].get(send["contact_id"])
        when = contact.get("unsubscribed_on") if contact else None
        if contact and contact.get("status") == "unsubscribed" and isinstance(when, int) \
                and when >= send["timestamp"]:
            out.append({**send, "unsubscribed_on": when})
    return out


def campaign_report(ctx: Context) -> Reply:
    """Sends and unsubscribes of a campaign."""
    record = ctx.require("campaign")
    sends = ctx.tenant.extra.get("sends", {}).get(record["id"], [])
    sent = len(sends)
    unsubscribes = len(_unsubscribed_after(ctx.tenant, sends))
    stats: dict[str, Any] = dict.fromkeys(ZERO_COUNTS, 0)
    stats.update({"active_emails": sent, "sent_emails": sent, "sent_rate": 1.0 if sent else 0.0,
                  "unopens": sent, "unopen_rate": 1.0 if sent else 0.0,
                  "unsubscribes": unsubscribes, "unsubscribe_rate": _rate(unsubscribes, sent),
                  "bounce_rate": 0.0, "click_rate": 0.0, "clickthru_rate": 0.0,
                  "open_rate": 0.0, "spam_rate": 0.0})
    return Reply(200, {"data": stats})


def list_report(ctx: Context) -> Reply:
    """Contact counts by status and the sends made to a list."""
    chosen = ctx.require("list")
    contacts = ctx.records("contact", list_id=chosen["id"])
    by_status: dict[str, int] = {}
    for contact in contacts:
        by_status[str(contact.get("status"))] = by_status.get(str(contact.get("status")), 0) + 1
    sends = [s for sends in ctx.tenant.extra.get("sends", {}).values() for s in sends
             if str(s.get("list_id")) == str(chosen["id"])]
    unsubscribes = len(_unsubscribed_after(ctx.tenant, sends))
    return Reply(200, {"data": {
        "active_contacts": by_status.get("active", 0), "pending_contacts": 0,
        "invalid_contacts": 0, "unsubscribed_contacts": by_status.get("unsubscribed", 0),
        "flagged_contacts": 0, "deleted_contacts": by_status.get("deleted", 0),
        "sent_emails": len(sends), "open_rate": 0.0, "bounce_rate": 0.0, "click_rate": 0.0,
        "clickthru_rate": 0.0, "unsubscribe_rate": _rate(unsubscribes, len(sends)),
        "spam_rate": 0.0}})


def events_of(tenant: Tenant, campaign_ids: list[Any], list_id: Any = None) -> list[Record]:
    """Sent and unsubscribe events of campaigns (to one list's contacts), oldest first."""
    events: list[Record] = []
    all_sends = tenant.extra.get("sends", {})
    for campaign_id in campaign_ids:
        sends = all_sends.get(campaign_id, [])
        if list_id is not None:
            sends = [s for s in sends if str(s.get("list_id")) == str(list_id)]
        for send in sends:
            events.append({"contact_id": send["contact_id"], "email": send["email"],
                           "type": "sent", "timestamp": send["timestamp"], "occurrences": 1,
                           "campaign_id": campaign_id})
        for send in _unsubscribed_after(tenant, sends):
            events.append({"contact_id": send["contact_id"], "email": send["email"],
                           "type": "unsubscribe", "timestamp": send["unsubscribed_on"],
                           "occurrences": 1, "campaign_id": campaign_id})
    events.sort(key=lambda e: (e["timestamp"], e["contact_id"]))
    return events


def _events(ctx: Context, campaign_ids: list[Any], list_id: Any = None) -> list[Record]:
    """The events of campaigns within the request's start_time and end_time."""
    events = events_of(ctx.tenant, campaign_ids, list_id)
    start, end = ctx.query.get("start_time"), ctx.query.get("end_time")
    return [e for e in events if (start is None or e["timestamp"] >= start)
            and (end is None or e["timestamp"] <= end)]


def _page(ctx: Context, events: list[Record], fields: tuple[str, ...]) -> Reply:
    return ctx.page(rows(({"id": number, **event} for number, event in enumerate(events, 1)),
                         render=lambda r: {k: r.get(k) for k in fields},
                         predicates=ctx.query_plan().predicates))


def campaign_logs(ctx: Context) -> Reply:
    """What happened to each recipient of a campaign."""
    record = ctx.require("campaign")
    return _page(ctx, _events(ctx, [record["id"]]),
                 ("id", "contact_id", "email", "type", "timestamp", "occurrences"))


def list_logs(ctx: Context) -> Reply:
    """What happened to the contacts of a list, across campaigns."""
    chosen = ctx.require("list")
    ids = sorted(ctx.tenant.extra.get("sends", {}))
    return _page(ctx, _events(ctx, ids, chosen["id"]),
                 ("id", "contact_id", "email", "type", "timestamp", "occurrences",
                  "campaign_id"))


def campaign_links_report(ctx: Context) -> Reply:
    """The tracked links of a campaign (ids as /campaigns/{id}/links shows them); nobody
    clicks in the sandbox, so counts stay at 0."""
    tracked = links.track(ctx.tenant, ctx.require("campaign"))
    return ctx.page(rows({"id": link["id"], "link": link["url"], "unique": 0, "total": 0,
                          "unique_rate": 0.0, "total_rate": 0.0} for link in tracked))


HOOKS = Hooks.of(campaign_links_report, campaign_report, list_report, campaign_logs, list_logs)
