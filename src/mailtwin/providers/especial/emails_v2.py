"""The email API (v2): submitted emails are queued, or rejected when the address is
suppressed; they name their address or a contact, may use a template whose placeholders take
the given custom attributes, carry tags (listed by /email-tags) and render as sent."""

from __future__ import annotations

import uuid
from typing import Any

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.listing import Listing
from mailtwin.providers.especial.common import (
    attributes,
    body_of,
    find,
    lookup,
    merge,
    refuse,
)
from mailtwin.providers.especial.suppression import is_suppressed
from mailtwin.store import Collection, Record


def _address(ctx: Context, body: Record) -> tuple[str, dict[str, Any]]:
    """The address an email goes to and the contact values it merges."""
    values: dict[str, Any] = {}
    if body.get("contact_id") is not None:
        contact = lookup(ctx.tenant, "contact", body["contact_id"])
        if contact is None or (body.get("list_id") is not None
                               and str(contact.get("list_id")) != str(body["list_id"])):
            raise refuse(f"contact {body['contact_id']} does not exist"
                         + (f" in list {body['list_id']}" if body.get("list_id") else ""),
                         ("body", "contact_id"))
        values = attributes(contact)
        return str(body.get("email") or contact["email"]), values
    if not body.get("email"):
        raise refuse("name the recipient with email or contact_id", ("body", "email"))
    return str(body["email"]), values


def _content(ctx: Context, content: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The content as sent: a template's parts when one is named, placeholders merged."""
    parts = dict(content)
    template_id = (content.get("template") or {}).get("id")
    if template_id is not None:
        template = lookup(ctx.tenant, "template", template_id)
        if template is None:
            raise refuse(f"template {template_id} does not exist",
                         ("body", "content", "template", "id"))
        for name in ("html", "text"):
            parts.setdefault(name, (template.get("content") or {}).get(name))
    if not (parts.get("html") or parts.get("text")):
        raise refuse("the content needs html, text or a template", ("body", "content"))
    merged = {**values, **{str(a["name"]): a["value"]
                           for a in content.get("custom_attributes") or []}}
    return {**parts, "html": merge(parts.get("html"), merged),
            "text": merge(parts.get("text"), merged)}


def submit_email(ctx: Context) -> Reply:
    """Queue an email (rejected when its address is suppressed)."""
    body = body_of(ctx)
    sender = lookup(ctx.tenant, "sender", (body.get("sender") or {}).get("id"))
    if sender is None or not sender.get("confirmed"):
        state = "does not exist" if sender is None else "is not confirmed"
        raise refuse(f"sender {(body.get('sender') or {}).get('id')} {state}",
                     ("body", "sender", "id"))
    email, values = _address(ctx, body)
    content = _content(ctx, body["content"], values)
    status = "rejected" if is_suppressed(ctx.tenant, email) else "queued"
    resource = ctx.provider.resources["email"]
    record = ctx.new(resource.name, {
        **body, "email_id": str(uuid.uuid4()), "email": email, "content": content,
        "status": "submitted" if status == "queued" else "rejected",
        "submitted_time": int(ctx.now.timestamp()), "provider": "especial",
        "tags": list(body.get("tags") or []),
        "sender": {"id": sender["id"], "email": sender.get("email"),
                   "name": (body.get("sender") or {}).get("name") or sender.get("name")}})
    for flag in ("unsubscribed", "global_unsubscribed", "soft_bounced", "hard_bounced",
                 "reported_as_spam"):
        record.setdefault(flag, False)
    record.setdefault("open", 0)
    record.setdefault("click", 0)
    ctx.insert(resource.name, record)
    return Reply(201, {"email": email, "object": "email", "submitted": True,
                       "data": {"id": record["email_id"], "status": status}})


def render_email(ctx: Context) -> Reply:
    """A submitted email's HTML (its text when it has none) as it was sent."""
    record = find(ctx, "email", ctx.path["email_id"])
    content = record.get("content") or {}
    html = str(content.get("html") or content.get("text") or "")
    return Reply(200, media_type="text/html; charset=utf-8", raw=html.encode("utf-8"))


def email_tags(ctx: Context) -> Reply:
    """The tags submitted emails carry, optionally those starting with `name`."""
    prefix = str(ctx.query.get("name") or "")
    collection = Collection("tag")
    for record in ctx.tenant.collections["email"].records.values():
        for tag in record.get("tags") or []:
            if tag.startswith(prefix) and collection.get(tag) is None:
                collection.insert({"tag": tag})
    found = Listing(collection, collection.ids(), [], lambda r: r["tag"])
    return ctx.page(found)


HOOKS = Hooks(operations={
    "submit_email": submit_email, "render_email": render_email, "email_tags": email_tags})
