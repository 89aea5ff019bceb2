"""Template rendering: the template's HTML with a contact's attributes merged in."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial.common import attributes, find, lookup, merge, refuse


def render_template(ctx: Context) -> Reply:
    """The template's HTML (text when it has none), merged with `?contact_id=` if given."""
    record = find(ctx, "template", ctx.path["template_id"])
    values = {}
    raw = ctx.query.get("contact_id")
    if raw is not None:
        contact = lookup(ctx.tenant, "contact", raw)
        if contact is None:
            raise refuse(f"contact {raw} does not exist", ("query", "contact_id"))
        values = attributes(contact)
    content = record.get("content") or {}
    html = merge(content.get("html") or content.get("text") or "", values)
    return Reply(200, media_type="text/html; charset=utf-8", raw=html.encode("utf-8"))


HOOKS = Hooks(operations={
    "render_template": render_template})
