"""What an Emma mailing sends when it completes, one message per member it reaches, and what
those messages' events do to the members: a bounce counts on the member (a hard one makes it
`error`), a complaint or an unsubscription makes it `opt-out`, and the groups it belongs to
count it again. Members in error or opted out are where Emma keeps its suppressions: a later
mailing skips them and lists them among its suppressed members."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mailtwin.conventions.timestamps import STYLES
from mailtwin.hooks import MessageEvent, Move, Record, Tenant
from mailtwin.providers.emma.personalization import render

STAMP = STYLES["at-d"]
SENDER = "emma@myemma.com"  # the address every sandbox mailing goes from
# Member statuses a mailing is sent to; the others (error, opt-out) are suppressed.
SENDABLE = frozenset({"active", "forwarded"})
# What an event makes of a member: its status, status id and the group counter it moves to.
STATUSES = {"error": ("e", "error_count"), "opt-out": ("o", "optout_count")}
MEMBER_VIEW = ("status", "confirmed_opt_in", "account_id", "fields", "member_id",
               "last_modified_at", "member_status_id", "plaintext_preferred", "email_error",
               "member_since", "bounce_count", "deleted_at", "email")


def _members(tenant: Tenant, mailing: Record) -> Iterator[Record]:
    """The members a mailing reaches, each once: those it names, then its groups' members."""
    members = tenant.collections["member"]
    seen: set[Any] = set()
    named = [m.get("member_id") for m in mailing.get("recipient_members") or []
             if isinstance(m, dict)]
    groups = {g.get("member_group_id") for g in mailing.get("recipient_groups") or []
              if isinstance(g, dict)}
    in_groups = [ident for ident, record in members.records.items()
                 if groups.intersection(record.get("group_ids") or ())] if groups else []
    for ident in [*named, *in_groups]:
        member = members.get(ident)
        if member is not None and ident not in seen and member.get("deleted_at") is None:
            seen.add(ident)
            yield member


def recipients(tenant: Tenant, mailing: Record) -> tuple[list[Record], list[Record]]:
    """The members a mailing is sent to, and those it skips (in error or opted out)."""
    sent: list[Record] = []
    skipped: list[Record] = []
    for member in _members(tenant, mailing):
        (sent if member.get("status", "active") in SENDABLE else skipped).append(member)
    return sent, skipped


def _suppress(tenant: Tenant, mailing: Record, members: list[Record]) -> None:
    """The members a mailing skipped, listed as its suppressed members."""
    held = tenant.collections["suppressed_member"]
    listed = {r.get("member_id") for r in held.records.values()
              if r.get("mailing_id") == mailing["mailing_id"]}
    for member in members:
        if member["member_id"] not in listed:
            held.insert({"suppression_id": tenant.next_id("suppressed_member", 1),
                         "mailing_id": mailing["mailing_id"],
                         **{name: member.get(name) for name in MEMBER_VIEW}})


def send_mailing(move: Move) -> None:
    """One message per member the mailing reaches, its mailing and account tags filled now
    and its member tags for each member; heads-up addresses are stamped as notified."""
    tenant, mailing = move.tenant, move.record
    sent, skipped = recipients(tenant, mailing)
    shared = {"mailing": {"name": mailing.get("name"), "subject": mailing.get("subject")},
              "account": {"account_id": mailing.get("account_id")}}
    parts = {name: render(mailing.get(name), shared, keep_member=True)
             for name in ("subject", "html_body", "plaintext")}
    count = 0
    for member in sent:
        message = move.send_message(
            to=member["email"], subject=parts["subject"] or "",
            html=None if mailing.get("plaintext_only") else parts["html_body"],
            text=parts["plaintext"], sender=SENDER, sender_name=mailing.get("sender"),
            reply_to=mailing.get("reply_to"), mailing=("mailing", mailing["mailing_id"]),
            values=dict(member.get("fields") or {}),
            meta={"member_id": member["member_id"]})
        count += message is not None
    _suppress(tenant, mailing, skipped)
    mailing["recipient_count"] = count
    headsups = tenant.collections["headsup"]
    for ident, headsup in list(headsups.records.items()):
        if headsup.get("mailing_id") == mailing["mailing_id"] and headsup.get("sent_ts") is None:
            headsups.update(ident, {"sent_ts": STAMP.format(move.moment)})


def _regroup(tenant: Tenant, member: Record, counter: str) -> None:
    """A member who was active counts in its groups' `counter` instead of `active_count`."""
    groups = tenant.collections["group"]
    for ident in member.get("group_ids") or ():
        group = groups.get(ident)
        if group is not None:
            groups.update(ident, {"active_count": max(0, int(group.get("active_count") or 0) - 1),
                                  counter: int(group.get(counter) or 0) + 1})


def _become(event: MessageEvent, member: Record, status: str, changes: Record,
            moment: datetime) -> None:
    status_id, counter = STATUSES[status]
    was = member.get("status")
    changes.update(status=status, member_status_id=status_id,
                   last_modified_at=STAMP.format(moment))
    if was in SENDABLE and was != status:
        _regroup(event.tenant, member, counter)


def on_mailing_message(event: MessageEvent) -> None:
    """A member's bounces, errors and opt-outs follow its messages' events."""
    ident = (event.message.meta or {}).get("member_id")
    member = event.tenant.collections["member"].get(ident)
    if member is None or event.type not in ("bounced", "complained", "unsubscribed"):
        return
    changes: Record = {}
    if event.type == "bounced":
        changes["bounce_count"] = int(member.get("bounce_count") or 0) + 1
        if event.detail.get("bounce") == "hard":
            changes["email_error"] = event.detail.get("reason")
            if member.get("status") != "opt-out":
                _become(event, member, "error", changes, event.moment)
        else:
            changes["last_modified_at"] = STAMP.format(event.moment)
    elif member.get("status") != "opt-out":
        _become(event, member, "opt-out", changes, event.moment)
    if changes:
        event.apply("member", member, changes)
