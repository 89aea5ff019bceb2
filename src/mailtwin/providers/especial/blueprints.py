"""Campaign blueprints: read-only samples whose HTML renders as a page."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial.common import content_page


def render_campaign_blueprint(ctx: Context) -> Reply:
    """The blueprint's HTML (its text when it has none)."""
    return content_page(ctx.require("campaign_blueprint").get("content") or {})


HOOKS = Hooks.of(render_campaign_blueprint)
