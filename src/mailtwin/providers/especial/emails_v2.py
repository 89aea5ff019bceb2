"""The email API (v2): submitted emails are queued, or rejected when the address is
suppressed; they name their address or a contact, may use a template whose placeholders take
the given custom attributes, carry tags (listed by /email-tags) and render as sent. Each is a
message of the delivery engine (`submitted`, then `queued` and the rest of its events, or
`rejected`). Its page (`/render`) is the spec's `respond: {page: ...}`."""

from __future__ import annotations

import uuid
from typing import Any

from mailtwin.hooks import Context, Hooks, MessageEvent, Record, Reply, rows
from mailtwin.providers.especial.common import attributes, merge
from mailtwin.providers.especial.suppression import is_suppressed


def _address(ctx: Context, body: Record) -> tuple[str, dict[str, Any]]:
    """The address an email goes to and the contact values it merges."""
    values: dict[str, Any] = {}
    if body.get("contact_id") is not None:
        contact = ctx.record("contact", body["contact_id"])
        if contact is None or (body.get("list_id") is not None
                               and str(contact.get("list_id")) != str(body["list_id"])):
            raise ctx.refuse(f"contact {body['contact_id']} does not exist"
                             + (f" in list {body['list_id']}" if body.get("list_id") else ""),
                             ("body", "contact_id"))
        values = attributes(contact)
        return str(body.get("email") or contact["email"]), values
    if not body.get("email"):
        raise ctx.refuse("name the recipient with email or contact_id", ("body", "email"))
    return str(body["email"]), values


def _content(ctx: Context, content: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The content as sent: a template's parts when one is named, placeholders merged."""
    parts = dict(content)
    template_id = (content.get("template") or {}).get("id")
    if template_id is not None:
        template = ctx.require("template", template_id)
        for name in ("html", "text"):
            parts.setdefault(name, (template.get("content") or {}).get(name))
    if not (parts.get("html") or parts.get("text")):
        raise ctx.refuse("the content needs html, text or a template", ("body", "content"))
    merged = {**values, **{str(a["name"]): a["value"]
                           for a in content.get("custom_attributes") or []}}
    return {**parts, "html": merge(parts.get("html"), merged),
            "text": merge(parts.get("text"), merged)}


def _email_id(ctx: Context) -> str:
    """A new email's id: a UUID made from the account and the number of its submissions, so
    the same requests give the same ids (and the delivery model the same outcomes)."""
    number = ctx.tenant.counters.get("email_submissions", 0) + 1
    ctx.tenant.counters["email_submissions"] = number
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailtwin:{ctx.tenant_name}:email:{number}"))


def submit_email(ctx: Context) -> Reply:
    """Queue an email (rejected when its address is suppressed)."""
    body = ctx.fields()
    sender = ctx.require("sender", body["sender"]["id"])
    if not sender.get("confirmed"):
        raise ctx.refuse(f"sender {sender['id']} is not confirmed", ("body", "sender", "id"))
    email, values = _address(ctx, body)
    content = _content(ctx, body["content"], values)
    status = "rejected" if is_suppressed(ctx.tenant, email) else "queued"
    record = ctx.new("email", {
        **body, "email_id": _email_id(ctx), "email": email, "content": content,
        "status": "submitted" if status == "queued" else "rejected",
        "submitted_time": int(ctx.now.timestamp()), "provider": "especial",
        "tags": list(body.get("tags") or []),
        "sender": {"id": sender["id"], "email": sender.get("email"),
                   "name": body["sender"].get("name") or sender.get("name")}})
    ctx.insert("email", record)
    ctx.send_message(
        to=email, mailing=("email", record["email_id"]),
        subject=str(content.get("subject") or ""), html=content.get("html"),
        text=content.get("text"), sender=str(sender.get("email") or ""),
        sender_name=record["sender"]["name"], reply_to=body.get("reply_to"),
        meta={"tags": record["tags"]}, first=("submitted", status),
        deliver=status == "queued", skip_suppressed=False)
    return Reply(201, {"email": email, "object": "email", "submitted": True,
                       "data": {"id": record["email_id"], "status": status}})


def email_tags(ctx: Context) -> Reply:
    """The tags submitted emails carry, optionally those starting with `name`."""
    prefix = str(ctx.query.get("name") or "")
    tags = dict.fromkeys(tag for record in ctx.tenant.collections["email"].records.values()
                         for tag in record.get("tags") or [] if tag.startswith(prefix))
    return ctx.page(rows(({"tag": tag} for tag in tags), "tag", lambda r: r["tag"]))


# The flag of an email each kind of event sets.
FLAGS = {"complained": "reported_as_spam", "unsubscribed": "unsubscribed"}


def on_email_message(event: MessageEvent) -> None:
    """An email shows what happened to its message: delivered, its opens and clicks, its
    bounce, complaint and unsubscribe."""
    record = event.tenant.collections["email"].get(event.message.mailing)
    if record is None:
        return
    changes: Record = {}
    if event.type == "delivered":
        changes["status"] = "delivered"
    elif event.type in ("opened", "clicked"):
        name = "open" if event.type == "opened" else "click"
        changes[name] = int(record.get(name) or 0) + 1
    elif event.type == "bounced":
        changes["hard_bounced" if event.detail.get("bounce") == "hard" else "soft_bounced"] = True
    elif event.type in FLAGS:
        changes[FLAGS[event.type]] = True
    if changes:
        event.apply("email", record, changes)


HOOKS = Hooks.of(submit_email, email_tags,
                 messages={"email": [on_email_message]})
