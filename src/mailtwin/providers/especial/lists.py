"""Lists, segments and transactional templates: a list in use by campaigns cannot be deleted,
and deleting one takes its contacts, segments and exports with it; a segment's selection must
be readable; the senders and templates they name (declared references) are stored as their
name and address, or copied content."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Record, Reply
from mailtwin.providers.especial import audience
from mailtwin.providers.especial.common import answer

OWNED = ("contact", "segment", "contacts_export", "custom_attribute", "interest")


def delete_list(ctx: Context) -> Reply:
    """Remove a list that no campaign uses, with everything it holds."""
    chosen = ctx.require("list")
    users = sorted(c["id"] for c in ctx.tenant.collections["campaign"].records.values()
                   if str((c.get("audience") or {}).get("list_id")) == str(chosen["id"]))
    if users:
        shown_ids = ", ".join(str(i) for i in users[:10])
        raise ctx.refuse(f"list {chosen['id']} is used by campaigns {shown_ids}; it cannot be "
                         "deleted", ("path", "list_id"))
    for resource in OWNED:
        for record in ctx.records(resource, list_id=chosen["id"]):
            ctx.delete(resource, record)
    ctx.delete("list", chosen)
    return answer(ctx, "list", chosen, "deleted", data=False)


def _as_sender(ctx: Context, field: str) -> Record:
    """The body with the sender it names in `field` written as its name and address."""
    body = ctx.fields()
    if isinstance(body.get(field), dict):
        sender = ctx.require("sender", body[field]["id"])
        body[field] = {"name": sender.get("name"), "email": sender.get("email")}
    return body


def store_list(ctx: Context) -> Reply:
    """Create or edit a list; its default sender is stored as its name and address."""
    ctx.body = _as_sender(ctx, "default_sender")
    return ctx.proceed()


def store_segment(ctx: Context) -> Reply:
    """Create or edit a segment; its selection must be readable."""
    ctx.require("list")
    body = ctx.fields()
    audience.readable(ctx, {k: body[k] for k in ("fiql", "query", "json") if body.get(k)},
                      "body")
    return ctx.proceed()


CONTENT_KEYS = ("type", "subject", "html", "json")


def store_transactional_template(ctx: Context) -> Reply:
    """Create or edit a transactional email template of a list: it names an existing sender
    (stored as its name and address) and holds its content: given, copied from a template
    (`template_id`), or merged into the old."""
    ctx.require("list")
    old = None
    if "transactional_email_template_id" in ctx.path:
        old = ctx.require("transactional_email_template")
    body = _as_sender(ctx, "sender")
    given = body.get("content")
    if isinstance(given, dict):
        content = dict((old or {}).get("content") or {})
        if "template_id" in given:
            source = ctx.require("template", given["template_id"]).get("content") or {}
            content = {k: source[k] for k in CONTENT_KEYS if source.get(k) is not None}
            content.setdefault("type", "html")
            content.setdefault("subject", "")
        content.update({k: given[k] for k in CONTENT_KEYS if k in given})
        body["content"] = content
    ctx.body = body
    return ctx.proceed()


HOOKS = Hooks.of(delete_list, store_list, store_segment, store_transactional_template)
