"""Campaign drafts: create and edit (drafts only), completeness kept in the status (incomplete
until sender, audience and content are set, then active), delete (drafts only), revisions,
test sends and rendering. The lists, segments, senders and contacts they name are declared
references of the spec."""

from __future__ import annotations

from datetime import UTC, datetime

from mailtwin.hooks import Context, Hooks, Move, Record, Reply, Tenant, rows
from mailtwin.providers.especial import links
from mailtwin.providers.especial.common import answer, contact_values, merge, shown_json

DRAFT = ("incomplete", "active")


def complete(record: Record) -> bool:
    """Whether a campaign has what a send needs: sender, audience list, subject and body."""
    content = record.get("content") or {}
    audience = record.get("audience") or {}
    sender = record.get("sender") or {}
    return bool(sender.get("id") and audience.get("list_id") and content.get("subject")
                and (content.get("html") or content.get("text")))


def _references(ctx: Context, fields: Record) -> Record:
    """The fields stored for the audience and sender a body names; an audience needs a list
    that is not archived."""
    out: Record = {}
    audience = fields.get("audience")
    if isinstance(audience, dict) and audience:
        list_id = audience.get("list_id")
        if list_id is None:
            raise ctx.refuse("an audience needs a list_id", ("body", "audience", "list_id"))
        chosen = ctx.require("list", list_id)
        if chosen.get("status") == "archived":
            raise ctx.refuse(f"list {list_id} is archived", ("body", "audience", "list_id"))
        out["audience"] = {"list_id": chosen["id"], "name": chosen.get("name"),
                           "segment_id": audience.get("segment_id")}
    sender = fields.get("sender")
    if isinstance(sender, dict):
        found = ctx.require("sender", sender["id"])
        out["sender"] = {"id": found["id"], "name": sender.get("name") or found.get("name"),
                         "email": found.get("email")}
    return out


def _merged(record: Record, body: Record, refs: Record) -> Record:
    """The fields of a campaign after an edit (content and tracking merge key by key)."""
    fields: Record = {}
    for name, value in body.items():
        if name in ("content", "tracking") and isinstance(value, dict):
            fields[name] = {**(record.get(name) or {}), **value}
        else:
            fields[name] = value
    fields.update(refs)
    return fields


def record_revision(tenant: Tenant, record: Record, moment: datetime) -> None:
    """Keep a copy of a campaign as a revision."""
    revisions = tenant.extra.setdefault("revisions", {}).setdefault(record["id"], [])
    snapshot = {k: v for k, v in record.items() if k != "archived_from"}
    revisions.append({"id": len(revisions) + 1,
                      "date": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "snapshot": snapshot})


def create_campaign(ctx: Context) -> Reply:
    """A new draft; its status says whether it is complete."""
    body = ctx.fields()
    fields = _merged({"content": {"type": "html"}}, body, _references(ctx, body))
    fields["status"] = "active" if complete({**fields}) else "incomplete"
    record = ctx.create("campaign", fields)
    record_revision(ctx.tenant, record, ctx.now)
    links.track(ctx.tenant, record)
    return answer(ctx, "campaign", record, "created", 201)


def show_campaign(ctx: Context) -> Reply:
    """A campaign, or one of its revisions with `revision_id`."""
    record = ctx.require("campaign")
    wanted = ctx.query.get("revision_id")
    if wanted is None:
        return Reply(200, {"data": shown_json(ctx, "campaign", record)}, spliced=True)
    for revision in ctx.tenant.extra.get("revisions", {}).get(record["id"], []):
        if revision["id"] == wanted:
            return Reply(200, {"data": ctx.render(revision["snapshot"], "campaign")})
    raise ctx.refuse(f"campaign {record['id']} has no revision {wanted}",
                     ("query", "revision_id"))


def _draft(ctx: Context, doing: str) -> Record:
    """The campaign of the path, refused unless it is a draft."""
    record = ctx.require("campaign")
    if record.get("status") not in DRAFT:
        raise ctx.refuse(f"campaign {record['id']} cannot be {doing}: its status is "
                         f"{record.get('status')}; only drafts (incomplete, active) can be "
                         f"{doing}")
    return record


def update_campaign(ctx: Context) -> Reply:
    """Edit a draft; the status follows completeness."""
    record = _draft(ctx, "edited")
    body = ctx.fields()
    fields = _merged(record, body, _references(ctx, body))
    fields["status"] = "active" if complete({**record, **fields}) else "incomplete"
    moved = fields["status"] != record.get("status")
    ctx.apply("campaign", record, fields)
    if not moved:  # a move records its revision through the move listener
        record_revision(ctx.tenant, record, ctx.now)
    links.track(ctx.tenant, record)
    return answer(ctx, "campaign", record, "updated")


def delete_campaign(ctx: Context) -> Reply:
    """Remove a draft."""
    record = _draft(ctx, "deleted")
    ctx.delete("campaign", record)
    return answer(ctx, "campaign", record, "deleted", data=False)


def campaign_revisions(ctx: Context) -> Reply:
    """The revisions of a campaign, oldest first, a page at a time."""
    record = ctx.require("campaign")
    return ctx.page(rows({"id": r["id"], "date": r["date"]}
                         for r in ctx.tenant.extra.get("revisions", {}).get(record["id"], [])))


def render_campaign(ctx: Context) -> Reply:
    """The campaign's HTML and text with a contact's attributes merged in."""
    content = ctx.require("campaign").get("content") or {}
    values = contact_values(ctx, ctx.query.get("contact_id"))
    return Reply(200, {"data": {"html": merge(content.get("html") or "", values),
                                "text": merge(content.get("text") or "", values)}})


def send_test_campaign(ctx: Context) -> Reply:
    """Send a test of a campaign that has content and a sender."""
    record = ctx.require("campaign")
    content = record.get("content") or {}
    if not (content.get("html") or content.get("text")) or not content.get("subject"):
        raise ctx.refuse(f"campaign {record['id']} has no subject or content to test")
    if not (record.get("sender") or {}).get("id"):
        raise ctx.refuse(f"campaign {record['id']} has no sender")
    kind = ctx.body.get("type") or "merged"
    ctx.tenant.extra.setdefault("test_sends", []).append(
        {"campaign_id": record["id"], "email": ctx.body["email"], "type": kind,
         "timestamp": ctx.stamp()})
    return Reply(200, {"email": ctx.body["email"], "type": kind, "object": "test_email",
                       "sent": True})


def _revision_on_move(move: Move) -> None:
    """Every move but the first (the record's creation) is a revision."""
    if move.source is not None:
        record_revision(move.tenant, move.record, move.moment)


HOOKS = Hooks.of(create_campaign, show_campaign, update_campaign, delete_campaign,
                 campaign_revisions, render_campaign, send_test_campaign,
                 moves={"campaign": [_revision_on_move]})
