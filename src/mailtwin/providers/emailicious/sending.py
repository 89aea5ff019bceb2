"""What a sent Emailicious delivery sends: one message to each active subscriber of the
mailing's list it reaches (in the mailing's segments, if it names any; not in the delivery's
exclusions; at most its `limit`; not already sent this mailing), with its variant's subject,
layout and senders; and what the messages' events do to subscribers (a hard bounce, a
complaint or an unsubscription changes their `status`, which later deliveries skip)."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import MessageEvent, Move, Record, Tenant

# The subscriber status each event leaves, where Emailicious keeps its suppressions.
STATUSES = {"complained": "complained", "unsubscribed": "unsubscribed"}


def _reached(tenant: Tenant, mailing: Record, delivery: Record, done: set[Any]
             ) -> list[Record]:
    """The subscribers a delivery reaches, in id order."""
    segments = set(mailing.get("segments") or ())
    excluded = set(delivery.get("exclusions") or ())
    subscribers = tenant.collections["subscriber"]
    chosen = []
    for ident in subscribers.ids_where("list", [mailing["list"]]):
        subscriber = subscribers.records[ident]
        held = set(subscriber.get("segments") or ())
        if subscriber.get("status", "active") != "active" or ident in done or \
                (segments and not segments & held) or excluded & held:
            continue
        chosen.append(subscriber)
    chosen.sort(key=lambda s: s["id"])
    limit = delivery.get("limit")
    return chosen[:limit] if isinstance(limit, int) else chosen


def send_delivery(move: Move, record: Record, mailing: Record) -> None:
    """One message per subscriber the delivery reaches."""
    variant = mailing["variants"][record["variant"]]
    shown = variant["deliveries"][record["index"]]
    layout = move.tenant.collections["layout"].get(variant["layout"].get("id")) or {}
    source = variant["layout"].get("source") or layout.get("source")
    html = layout.get("format", "html" if "<" in (source or "") else "text") == "html"
    done = {(m.meta or {}).get("subscriber") for m in move.messages("mailing", mailing["id"])}
    for subscriber in _reached(move.tenant, mailing, shown, done):
        move.send_message(
            to=subscriber["email"], subject=variant["subject"],
            html=source if html else None, text=None if html else source,
            sender=variant.get("from_email") or "", sender_name=variant.get("from_name") or None,
            reply_to=variant.get("replyto_email") or None, mailing=("mailing", mailing["id"]),
            meta={"subscriber": subscriber["id"], "delivery": record["id"],
                  "variant": record["variant"]})


def on_mailing_message(event: MessageEvent) -> None:
    """A hard bounce, a complaint or an unsubscription changes the subscriber's status."""
    if event.type == "bounced" and event.detail.get("bounce") == "hard":
        status = "bounced"
    elif event.type in STATUSES:
        status = STATUSES[event.type]
    else:
        return
    subscriber = event.tenant.collections["subscriber"].get(
        (event.message.meta or {}).get("subscriber"))
    if subscriber is not None and subscriber.get("status") == "active":
        event.apply("subscriber", subscriber, {"status": status})
