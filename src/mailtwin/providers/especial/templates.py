"""Template rendering: the template's HTML with a contact's attributes merged in (the contact
is a declared reference)."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial.common import contact_values, content_page


def render_template(ctx: Context) -> Reply:
    """The template's HTML (text when it has none), merged with `?contact_id=` if given."""
    return content_page(ctx.require("template").get("content") or {},
                        contact_values(ctx, ctx.query.get("contact_id")))


HOOKS = Hooks.of(render_template)
