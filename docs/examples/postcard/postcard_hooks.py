"""Postcard hooks: a test send, and the recipients counted when a campaign goes out."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Move, Reply


def send_test(ctx: Context) -> Reply:
    """Send a test of a campaign to one address (drafts only)."""
    campaign = ctx.require()
    if campaign["status"] != "draft":
        raise ctx.refuse(f"campaign {campaign['id']} is {campaign['status']}; only drafts "
                         "are tested", ("path", "id"))
    email = ctx.body["email"]
    ctx.tenant.extra.setdefault("tests", []).append({"campaign": campaign["id"], "to": email})
    ctx.emit("campaign.tested", id=campaign["id"], to=email)
    return Reply(200, {"sent": True, "to": email})


def on_campaign_move(move: Move) -> None:
    """A campaign that goes out counts its list's subscribers as recipients."""
    if move.target == "sent":
        chosen = move.tenant.collections["list"].get(move.record["list_id"]) or {}
        move.record["recipients"] = chosen.get("subscribers", 0)


HOOKS = Hooks.of(send_test, moves={"campaign": [on_campaign_move]})
