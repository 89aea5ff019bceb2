"""Campaign blueprints: read-only samples whose HTML renders as a page."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial.common import find


def render_campaign_blueprint(ctx: Context) -> Reply:
    """The blueprint's HTML (its text when it has none)."""
    record = find(ctx, "campaign_blueprint", ctx.path["blueprint_id"])
    content = record.get("content") or {}
    html = str(content.get("html") or content.get("text") or "")
    return Reply(200, media_type="text/html; charset=utf-8", raw=html.encode("utf-8"))


HOOKS = Hooks(operations={
    "render_campaign_blueprint": render_campaign_blueprint})
