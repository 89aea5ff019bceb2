"""Emma hooks: the mailing behaviours that are not plain CRUD or a lifecycle move; what a
mailing sends and what its messages' events do to members is `sending.py`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from mailtwin.hooks import ApiError, Context, Hooks, Move, Problem, Record, Reply, not_found
from mailtwin.listing import cached_json
from mailtwin.providers.emma.personalization import invalid_tags, render
from mailtwin.providers.emma.sending import on_mailing_message, recipients, send_mailing

CONTENT = ("subject", "html_body", "plaintext")
LIVE = frozenset({"p", "a", "i", "s"})


def _mailing(ctx: Context) -> Record:
    return ctx.require("mailing", ctx.path["mailing_id"])


def _tag_error(found: dict[str, list[str]]) -> ApiError:
    listing = "; ".join(f"{field}: {', '.join(tags)}" for field, tags in found.items())
    return ApiError(400, [Problem(("body", field), f"invalid tags {', '.join(tags)}",
                                  "invalid_tags") for field, tags in found.items()],
                    extra={"invalid_tags": found, "error": f"Invalid tag syntax ({listing})"})


def _check_tags(values: dict[str, Any]) -> None:
    found = {field: tags for field in CONTENT if (tags := invalid_tags(values.get(field)))}
    if found:
        raise _tag_error(found)


def validate_tags(ctx: Context) -> Reply:
    """`true`, or a 400 listing the malformed tags of each field."""
    _check_tags(ctx.fields())
    return Reply(200, True)


def update_status(ctx: Context) -> Reply:
    """PUT status: pending and unapproved mailings must hold well-formed tags to change."""
    record = _mailing(ctx)
    if record.get("mailing_status") in ("p", "u"):
        _check_tags(record)
    return ctx.proceed()


def mailing_detail(ctx: Context) -> Reply:
    """A mailing; segment names only with include_segment_names=true."""
    record = _mailing(ctx)
    named = bool(ctx.query.get("include_segment_names"))
    resource = ctx.provider.resources["mailing"]

    def shape(found: Record) -> Record:
        shown = resource.render(found)
        if not named:
            shown["recipient_segments"] = [s.get("segment_id") if isinstance(s, dict) else s
                                           for s in found.get("recipient_segments") or []]
        return shown

    cached = cached_json(ctx.tenant.collections["mailing"], ("detail", named), shape)
    return Reply(200, cached(record), spliced=True)


def _day(value: Any, style_parse: Any) -> date | None:
    moment = style_parse(value)
    return moment.date() if isinstance(moment, datetime) else None


def calendar(ctx: Context) -> Reply:
    """Mailings sent within the dates, and those still scheduled from the start date on."""
    start = date.fromisoformat(ctx.query["start_date"])
    end = date.fromisoformat(ctx.query["end_date"])
    if end < start:
        raise ctx.refuse("end_date must not be before start_date", ("query", "end_date"))
    parse = ctx.provider.style.parse
    resource = ctx.provider.resources["mailing"]
    chosen: list[tuple[date, int, Record]] = []
    for record in ctx.tenant.collections["mailing"].records.values():
        if not resource.in_scope(record, ctx.path) or record.get("archived_ts") is not None:
            continue
        sent = _day(record.get("started_or_finished"), parse)
        planned = _day(record.get("send_at"), parse)
        if sent is not None and start <= sent <= end:
            chosen.append((sent, record["mailing_id"], record))
        elif sent is None and record.get("mailing_status") in ("p", "a") and planned and \
                planned >= start:
            chosen.append((planned, record["mailing_id"], record))
    chosen.sort(key=lambda item: (item[0], item[1]))
    return Reply(200, [ctx.render(record) for _, _, record in chosen])


def _member_values(ctx: Context, member: Record | None, mailing: Record) -> dict[str, Any]:
    return {"member": dict((member or {}).get("fields") or {}),
            "mailing": {"name": mailing.get("name"), "subject": mailing.get("subject")},
            "account": {"account_id": mailing.get("account_id")}}


def personalize(mailing: Record, member: Record | None, values: dict[str, Any]) -> Record:
    """The message a member gets: content with the member's fields merged in."""
    ident = f"{mailing['mailing_id']}:{(member or {}).get('member_id')}"
    return {"message_id": ident, "mailing_id": mailing["mailing_id"],
            "member_id": (member or {}).get("member_id"),
            "plaintext": render(mailing.get("plaintext"), values),
            "subject": render(mailing.get("subject"), values),
            "html_body": render(mailing.get("html_body"), values),
            "webview_url": f"https://tracker/message/{ident.replace(':', '/')}"}


def _recipient_ids(mailing: Record) -> list[Any]:
    return [m.get("member_id") for m in mailing.get("recipient_members") or []
            if isinstance(m, dict)]


def _message(ctx: Context, mailing: Record, member_id: int) -> Record:
    """The message as sent (from the outbox, else a sample one kept from before), else one
    rendered now for a recipient; 404 otherwise."""
    sent = ctx.messages("mailing", mailing["mailing_id"], member_id=member_id)
    if sent:
        message = sent[-1]
        ident = f"{mailing['mailing_id']}/{member_id}"
        return {"plaintext": message.part("text"), "subject": message.part("subject"),
                "html_body": message.part("html"),
                "webview_url": f"https://tracker/message/{ident}"}
    stored = ctx.tenant.collections["message"].get(f"{mailing['mailing_id']}:{member_id}")
    if stored is not None:
        return stored
    member = ctx.tenant.collections["member"].get(member_id)
    if member is None or member_id not in _recipient_ids(mailing):
        raise ApiError(404, [Problem(("path", "member_id"), f"no message of mailing "
                                     f"{mailing['mailing_id']} for member {member_id}",
                                     "not_found")])
    return personalize(mailing, member, _member_values(ctx, member, mailing))


MESSAGE_PARTS = {"all": ("plaintext", "subject", "html_body", "webview_url"),
                 "html": ("html_body",), "plaintext": ("plaintext",), "subject": ("subject",),
                 "webview_url": ("webview_url",)}


def message(ctx: Context) -> Reply:
    """The personalized message of one member, whole or one part (`type`)."""
    found = _message(ctx, _mailing(ctx), ctx.path["member_id"])
    return Reply(200, {part: found.get(part) for part in MESSAGE_PARTS[ctx.query.get("type",
                                                                                     "all")]})


def _member_for(ctx: Context, email: str, status: str, status_id: str) -> Record:
    """The account's member with this email, added with `status` when there is none."""
    members = ctx.tenant.collections["member"]
    for ident in members.ids_where("email", [email]):
        return members.records[ident]
    return ctx.create("member", {
        "email": email, "status": status, "member_status_id": status_id,
        "confirmed_opt_in": None, "fields": {}, "last_modified_at": None,
        "plaintext_preferred": False, "email_error": None, "member_since": ctx.stamp(),
        "bounce_count": 0, "deleted_at": None})


def _new_mailing(ctx: Context, original: Record, changes: dict[str, Any]) -> Record:
    """A mailing inheriting the original's content, pending and due now."""
    inherited = {key: original.get(key) for key in (
        "name", "subject", "sender", "reply_to", "html_body", "plaintext", "plaintext_only",
        "links")}
    fields = {**inherited, "parent_mailing_id": original["mailing_id"], "mailing_status": "p",
              "send_at": ctx.stamp(), "suppressed_search_ids": [], **changes}
    record = ctx.new("mailing", fields)
    record["public_webview_url"] = (f"http://localhost/webview/uf/"
                                    f"{record['mailing_id']:032x}")
    return ctx.insert("mailing", record)


def _add_headsup(ctx: Context, mailing: Record, emails: list[str]) -> None:
    for email in emails:
        ctx.create("headsup", {"email": email, "mailing_id": mailing["mailing_id"],
                               "sent_ts": None})


def _existing(ctx: Context, resource: str, ids: list[int], field: str) -> list[Record]:
    collection = ctx.tenant.collections[resource]
    missing = [i for i in ids if collection.get(i) is None]
    if missing:
        raise ctx.refuse(f"unknown {resource} ids: {', '.join(map(str, missing))}",
                         ("body", field))
    return [collection.records[i] for i in ids]


def resend(ctx: Context) -> Reply:
    """A new mailing with the original's content, sent to the recipients given."""
    original = _mailing(ctx)
    body = ctx.fields()
    groups = _existing(ctx, "group", body.get("recipient_groups", []), "recipient_groups")
    searches = _existing(ctx, "search", body.get("recipient_searches", []),
                         "recipient_searches")
    emails = body.get("recipient_emails", [])
    segments = body.get("recipient_segments", [])
    if not (emails or groups or searches or segments):
        raise ctx.refuse("name at least one recipient: recipient_emails, recipient_groups, "
                          "recipient_searches or recipient_segments")
    members = [_member_for(ctx, email, "active", "a") for email in emails]
    mailing = _new_mailing(ctx, original, {
        "sender": body.get("sender") or original.get("sender"),
        "recipient_members": [{"email": m["email"], "member_id": m["member_id"]}
                              for m in members],
        "recipient_groups": [{"member_group_id": g["member_group_id"], "name": g["group_name"]}
                             for g in groups],
        "search_ids": [s["search_id"] for s in searches],
        "recipient_segments": [{"segment_id": s, "name": f"Segment {s}"} for s in segments],
        "suppressed_segment_ids": body.get("suppression_segments", [])})
    _add_headsup(ctx, mailing, body.get("heads_up_emails", []))
    return Reply(200, {"mailing_id": mailing["mailing_id"]})


def forward(ctx: Context) -> Reply:
    """Forward a member's message; unknown addresses join the audience as forwarded."""
    original = _mailing(ctx)
    _message(ctx, original, ctx.path["member_id"])
    body = ctx.fields()
    members = [_member_for(ctx, email, "forwarded", "f") for email in body["recipient_emails"]]
    mailing = _new_mailing(ctx, original, {
        "recipient_members": [{"email": m["email"], "member_id": m["member_id"]}
                              for m in members],
        "recipient_groups": [], "search_ids": []})
    _add_headsup(ctx, mailing, body.get("heads_up_emails", []))
    return Reply(200, {"mailing_id": mailing["mailing_id"]})


def declare_winner(ctx: Context) -> Reply:
    """Freeze a split test on the winner's content; 403 when no winner can be declared."""
    mailing = _mailing(ctx)
    winner_id = ctx.path["winner_id"]
    variants = mailing.get("split_test_variants") or []
    winner = ctx.tenant.collections["mailing"].get(winner_id)
    if winner is None or (variants and winner_id not in variants):
        raise not_found("Winning mailing", winner_id)
    reason = None
    if mailing.get("mailing_type") not in ("s", "c") or not variants:
        reason = f"mailing {mailing['mailing_id']} is not a split test"
    elif mailing.get("winner_id") is not None:
        reason = f"a winner was already declared for mailing {mailing['mailing_id']}"
    elif mailing.get("mailing_status") not in LIVE:
        reason = (f"mailing {mailing['mailing_id']} has status {mailing['mailing_status']}; "
                  "the test is over")
    if reason:
        raise ApiError(403, [Problem(("path", "winner_id"), reason, "forbidden")])
    changes = {key: winner.get(key) for key in CONTENT}
    changes["winner_id"] = winner_id
    ctx.tenant.collections["mailing"].update(mailing["mailing_id"], changes)
    return Reply(200, True)


def on_mailing_move(move: Move) -> None:
    """Count the members a mailing reaches when sending starts; send them their messages
    when it completes."""
    if move.target == "i":
        sent, _skipped = recipients(move.tenant, move.record)
        move.record["recipient_count"] = len(sent)
    elif move.target == "c":
        send_mailing(move)


HOOKS = Hooks.of(validate_tags, update_status, mailing_detail, calendar, message, resend, forward,
                 declare_winner, moves={"mailing": [on_mailing_move]},
                 messages={"mailing": [on_mailing_message]})
