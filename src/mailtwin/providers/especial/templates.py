"""Template rendering: the template's HTML with a contact's attributes merged in (the contact
is a declared reference)."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial.common import contact_values, html_page, merge


def render_template(ctx: Context) -> Reply:
    """The template's HTML (text when it has none), merged with `?contact_id=` if given."""
    content = ctx.require("template").get("content") or {}
    values = contact_values(ctx, ctx.query.get("contact_id"))
    return html_page(merge(content.get("html") or content.get("text") or "", values))


HOOKS = Hooks.of(render_template)
