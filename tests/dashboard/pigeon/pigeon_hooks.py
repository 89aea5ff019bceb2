"""A campaign that goes out sends one message to each subscriber."""

from __future__ import annotations

from mailtwin.hooks import Hooks, Move


def on_campaign_move(move: Move) -> None:
    if move.target != "sent":
        return
    for member in move.tenant.collections["subscriber"].records.values():
        move.send_message(
            to=member["email"], mailing=("campaign", move.record["id"]),
            subject=move.record["subject"], html=move.record.get("html"),
            text=move.record.get("text"), sender="news@pigeon.example",
            sender_name="Pigeon news", values={"first_name": member.get("first_name")},
            meta={"subscriber": member["id"]})


HOOKS = Hooks.of(moves={"campaign": [on_campaign_move]})
