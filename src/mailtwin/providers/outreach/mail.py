"""The message an Outreach mailing sends to its prospect when it starts delivering, and what
its events do: the mailing's state, counters and timestamps, its template's and prospect's
counters, and the prospect's opt-out (where this sandbox keeps Outreach's suppressions)."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import MessageEvent, Move, Record, Tenant
from mailtwin.providers.outreach.counters import ISO, bump

NO_RECIPIENT = "The mailing has no prospect with an email address to send to."
OPTED_OUT = "The prospect has opted out of email."
NO_MAILBOX = "The mailing has no mailbox to send from."
# The moment a mailing entered a state its message's events make (the spec's enter sets).
STAMPS = {"delivered": "deliveredAt", "opened": "openedAt", "bounced": "bouncedAt"}


def _get(tenant: Tenant, resource: str, ident: Any) -> Record | None:
    return tenant.collections[resource].get(ident) if ident is not None else None


def _fail(move: Move, reason: str) -> None:
    """Nothing can be sent: the mailing fails at once, with its reason."""
    move.record["state"] = "failed"
    move.record["errorReason"] = reason


def _sender(tenant: Tenant, mailing: Record) -> tuple[str | None, Record | None]:
    """The address the mailing goes from (its mailbox's, else the one it names, else its
    user's) and the user who sends it."""
    mailbox = _get(tenant, "mailbox", mailing.get("mailbox"))
    user = _get(tenant, "user", mailing.get("user") or (mailbox or {}).get("user"))
    address = (mailbox or {}).get("email") or mailing.get("mailboxAddress") or \
        (user or {}).get("email")
    return address, user


def _values(tenant: Tenant, prospect: Record, user: Record | None) -> dict[str, Any]:
    """What Outreach's `{{first_name}}`, `{{account.name}}`, `{{sender.first_name}}`
    variables take for this prospect."""
    account = _get(tenant, "account", prospect.get("account")) or {}
    user = user or {}
    return {"first_name": prospect.get("firstName"), "last_name": prospect.get("lastName"),
            "company": prospect.get("company"), "title": prospect.get("title"),
            "email": (prospect.get("emails") or [None])[0],
            "account.name": account.get("name"), "sender.first_name": user.get("firstName"),
            "sender.last_name": user.get("lastName"), "sender.name": user.get("name"),
            "sender.email": user.get("email")}


def send_mailing(move: Move) -> None:
    """One message to the mailing's prospect, with the mailing's content (else its
    template's); a mailing with no address to send to or from, or to an opted-out prospect,
    fails."""
    tenant, mailing = move.tenant, move.record
    prospect = _get(tenant, "prospect", mailing.get("prospect"))
    emails = [e for e in (prospect or {}).get("emails") or [] if isinstance(e, str) and e]
    if prospect is None or not emails:
        return _fail(move, NO_RECIPIENT)
    if prospect.get("optedOut"):
        return _fail(move, OPTED_OUT)
    address, user = _sender(tenant, mailing)
    if not address:
        return _fail(move, NO_MAILBOX)
    template = _get(tenant, "template", mailing.get("template")) or {}

    def content(name: str) -> Any:
        return mailing.get(name) if mailing.get(name) is not None else template.get(name)

    sent = move.send_message(
        to=emails[0], subject=content("subject") or "", html=content("bodyHtml"),
        text=content("bodyText"), sender=address, sender_name=(user or {}).get("name"),
        mailing=("mailing", mailing["id"]), values=_values(tenant, prospect, user),
        meta={"prospect": prospect["id"], "template": mailing.get("template")})
    if sent is None:
        return _fail(move, OPTED_OUT)
    domain = address.rpartition("@")[2] or "mailtwin.invalid"
    mailing["messageId"] = f"<{sent.id}@{domain}>"
    mailing["mailboxAddress"] = address
    return None


def _first(event: MessageEvent) -> bool:
    """Whether this is the message's first event of its type (templates count mailings)."""
    return sum(1 for e in event.message.happened() if e.type == event.type) == 1


def _opt_out(event: MessageEvent, prospect: Record | None) -> None:
    if prospect is not None and not prospect.get("optedOut"):
        event.tenant.collections["prospect"].update(prospect["id"], {
            "optedOut": True, "optedOutAt": ISO.format(event.moment)})


def _engaged(event: MessageEvent, prospect: Record | None, counter: str) -> None:
    if prospect is not None:
        bump(event.tenant, prospect["id"], counter, event.moment, "prospect", "engagedAt")


def on_mailing_message(event: MessageEvent) -> None:
    """The mailing shows what happened to its message: delivered, bounced (with the reason),
    opened and clicked (counts and latest moments, when it tracks them), marked as spam,
    unsubscribed. Templates count the mailings each event reached; a hard bounce, a
    complaint or an unsubscription opts the prospect out."""
    tenant, kind, moment = event.tenant, event.type, ISO.format(event.moment)
    mailing = _get(tenant, "mailing", event.message.mailing)
    if mailing is None or kind == "sent":
        return
    template = mailing.get("template")
    prospect = _get(tenant, "prospect", (event.message.meta or {}).get("prospect"))
    changes: Record = {}
    counter: str | None = None
    if kind == "delivered":
        counter = "deliverCount"
        if mailing.get("state") == "delivering":
            changes["state"] = "delivered"
    elif kind == "bounced":
        counter = "bounceCount"
        changes.update(state="bounced", errorReason=event.detail.get("reason"))
        if event.detail.get("bounce") == "hard":
            _opt_out(event, prospect)
    elif kind == "opened" and mailing.get("trackOpens", True):
        counter = "openCount"
        changes.update(openCount=int(mailing.get("openCount") or 0) + 1, openedAt=moment)
        if mailing.get("state") == "delivered":
            changes["state"] = "opened"
        _engaged(event, prospect, "openCount")
    elif kind == "clicked" and mailing.get("trackLinks", True):
        counter = "clickCount"
        changes.update(clickCount=int(mailing.get("clickCount") or 0) + 1, clickedAt=moment)
        _engaged(event, prospect, "clickCount")
    elif kind == "complained":
        changes["markedAsSpamAt"] = moment
        _opt_out(event, prospect)
    elif kind == "unsubscribed":
        counter = "optOutCount"
        changes["unsubscribedAt"] = moment
        _opt_out(event, prospect)
    if "state" in changes:  # entering a state stamps it, as the lifecycle's moves do
        changes["stateChangedAt"] = moment
        if changes["state"] in STAMPS:
            changes[STAMPS[changes["state"]]] = moment
    if changes:
        event.apply("mailing", mailing, changes)
    if counter is not None and _first(event):
        bump(tenant, template, counter, None)
