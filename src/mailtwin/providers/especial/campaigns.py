"""Campaign drafts: create and edit (drafts only), references checked, completeness kept in
the status (incomplete until sender, audience and content are set, then active), delete
(drafts only), revisions, test sends and rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mailtwin.hooks import Context, Hooks, Move, Reply
from mailtwin.listing import Listing
from mailtwin.providers.especial import links
from mailtwin.providers.especial.common import (
    answer,
    attributes,
    body_of,
    change,
    create,
    find,
    lookup,
    merge,
    refuse,
    shown,
    shown_json,
)
from mailtwin.store import Collection, Record, Tenant

DRAFT = ("incomplete", "active")


def _campaign(ctx: Context) -> Record:
    return find(ctx, "campaign", ctx.path["campaign_id"])


def complete(record: Record) -> bool:
    """Whether a campaign has what a send needs: sender, audience list, subject and body."""
    content = record.get("content") or {}
    audience = record.get("audience") or {}
    sender = record.get("sender") or {}
    return bool(sender.get("id") and audience.get("list_id") and content.get("subject")
                and (content.get("html") or content.get("text")))


def _references(ctx: Context, fields: Record) -> Record:
    """Check the audience and sender a body names; answer the fields to store for them."""
    out: Record = {}
    audience = fields.get("audience")
    if isinstance(audience, dict) and audience:
        list_id = audience.get("list_id")
        if list_id is None:
            raise refuse("an audience needs a list_id", ("body", "audience", "list_id"))
        chosen = lookup(ctx.tenant, "list", list_id)
        if chosen is None:
            raise refuse(f"list {list_id} does not exist", ("body", "audience", "list_id"))
        if chosen.get("status") == "archived":
            raise refuse(f"list {list_id} is archived", ("body", "audience", "list_id"))
        segment_id = audience.get("segment_id")
        if segment_id is not None:
            segment = lookup(ctx.tenant, "segment", segment_id)
            if segment is None or str(segment.get("list_id")) != str(list_id):
                raise refuse(f"segment {segment_id} does not exist in list {list_id}",
                             ("body", "audience", "segment_id"))
        out["audience"] = {"list_id": chosen["id"], "name": chosen.get("name"),
                           "segment_id": segment_id}
    sender = fields.get("sender")
    if isinstance(sender, dict):
        found = lookup(ctx.tenant, "sender", sender.get("id"))
        if found is None:
            raise refuse(f"sender {sender.get('id')} does not exist", ("body", "sender", "id"))
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
    body = body_of(ctx)
    refs = _references(ctx, body)
    fields = _merged({"content": {"type": "html"}}, body, refs)
    fields["status"] = "active" if complete({**fields}) else "incomplete"
    record = create(ctx, "campaign", fields)
    record_revision(ctx.tenant, record, ctx.now)
    links.track(ctx.tenant, record)
    return answer(ctx, "campaign", record, "created", 201)


def show_campaign(ctx: Context) -> Reply:
    """A campaign, or one of its revisions with `revision_id`."""
    record = _campaign(ctx)
    wanted = ctx.query.get("revision_id")
    if wanted is None:
        return Reply(200, {"data": shown_json(ctx, "campaign", record)}, spliced=True)
    for revision in ctx.tenant.extra.get("revisions", {}).get(record["id"], []):
        if revision["id"] == wanted:
            return Reply(200, {"data": shown(ctx, "campaign", revision["snapshot"])})
    raise refuse(f"campaign {record['id']} has no revision {wanted}", ("query", "revision_id"))


def update_campaign(ctx: Context) -> Reply:
    """Edit a draft; the status follows completeness."""
    record = _campaign(ctx)
    if record.get("status") not in DRAFT:
        raise refuse(f"campaign {record['id']} cannot be edited: its status is "
                     f"{record.get('status')}; only drafts (incomplete, active) can be edited")
    body = body_of(ctx)
    fields = _merged(record, body, _references(ctx, body))
    fields["status"] = "active" if complete({**record, **fields}) else "incomplete"
    moved = fields["status"] != record.get("status")
    change(ctx, "campaign", record, fields)
    if not moved:  # a move records its revision through the move listener
        record_revision(ctx.tenant, record, ctx.now)
    links.track(ctx.tenant, record)
    return answer(ctx, "campaign", record, "updated")


def delete_campaign(ctx: Context) -> Reply:
    """Remove a draft."""
    record = _campaign(ctx)
    if record.get("status") not in DRAFT:
        raise refuse(f"campaign {record['id']} cannot be deleted: its status is "
                     f"{record.get('status')}; only drafts (incomplete, active) can be deleted")
    ctx.tenant.collections["campaign"].delete(record["id"])
    return answer(ctx, "campaign", record, "deleted", data=False)


def campaign_revisions(ctx: Context) -> Reply:
    """The revisions of a campaign, oldest first, a page at a time."""
    record = _campaign(ctx)
    collection = Collection("id")
    for revision in ctx.tenant.extra.get("revisions", {}).get(record["id"], []):
        collection.insert({"id": revision["id"], "date": revision["date"]})
    found = Listing(collection, collection.ids(), [], dict)
    return ctx.page(found)


def _contact_values(ctx: Context, name: str = "contact_id") -> dict[str, Any]:
    ident = ctx.query.get(name)
    if ident is None:
        return {}
    contact = lookup(ctx.tenant, "contact", ident)
    if contact is None:
        raise refuse(f"contact {ident} does not exist", ("query", name))
    return attributes(contact)


def render_campaign(ctx: Context) -> Reply:
    """The campaign's HTML and text with a contact's attributes merged in."""
    record = _campaign(ctx)
    values = _contact_values(ctx)
    content = record.get("content") or {}
    return Reply(200, {"data": {"html": merge(content.get("html") or "", values),
                                "text": merge(content.get("text") or "", values)}})


def send_test_campaign(ctx: Context) -> Reply:
    """Send a test of a campaign that has content and a sender."""
    record = _campaign(ctx)
    content = record.get("content") or {}
    if not (content.get("html") or content.get("text")) or not content.get("subject"):
        raise refuse(f"campaign {record['id']} has no subject or content to test")
    if not (record.get("sender") or {}).get("id"):
        raise refuse(f"campaign {record['id']} has no sender")
    body = body_of(ctx)
    kind = body.get("type") or "merged"
    ctx.tenant.extra.setdefault("test_sends", []).append(
        {"campaign_id": record["id"], "email": body["email"], "type": kind,
         "timestamp": ctx.stamp()})
    return Reply(200, {"email": body["email"], "type": kind, "object": "test_email",
                       "sent": True})


def _revision_on_move(move: Move) -> None:
    tenant = move.tenant
    record = move.record
    source = move.source
    moment = move.moment
    if source is not None:
        record_revision(tenant, record, moment)


HOOKS = Hooks(operations={
    "create_campaign": create_campaign, "show_campaign": show_campaign,
    "update_campaign": update_campaign, "delete_campaign": delete_campaign,
    "campaign_revisions": campaign_revisions, "render_campaign": render_campaign,
    "send_test_campaign": send_test_campaign},
              moves={"campaign": [_revision_on_move]})

