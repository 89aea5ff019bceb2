"""What a campaign message's events do to its contact: a bounce counts on the contact
(`bounces_count`, `last_bounce_type`), an unsubscribe unsubscribes it (workflows triggered by
`unsubscribed` follow). Suppressions of hard bounces and complaints are declared in the
spec's `delivery` block."""

from __future__ import annotations

from mailtwin.hooks import Hooks, MessageEvent


def on_campaign_message(event: MessageEvent) -> None:
    """Bring the campaign's contact up to date with what happened to its message."""
    if event.type not in ("bounced", "unsubscribed"):
        return
    contact = event.tenant.collections["contact"].get((event.message.meta or {}).get(
        "contact_id"))
    if contact is None:
        return
    if event.type == "bounced":
        event.apply("contact", contact, {
            "bounces_count": int(contact.get("bounces_count") or 0) + 1,
            "last_bounce_type": event.detail.get("bounce")})
    elif contact.get("status") == "active":
        event.apply("contact", contact, {"status": "unsubscribed",
                                         "unsubscribed_on": int(event.moment.timestamp())})


HOOKS = Hooks.of(messages={"campaign": [on_campaign_message]})
