"""Hooks of the mailbag test provider: a letter sent to addresses (each a message, filled
with the reader's values), a report read from the messages' events, and a listener that
marks readers who unsubscribe."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, MessageEvent, Reply


def post_letter(ctx: Context) -> Reply:
    """A letter, and one message to each address (suppressed ones are skipped)."""
    body = ctx.fields()
    letter = ctx.create("letter", {"subject": body["subject"]})
    readers = {r["email"]: r for r in ctx.tenant.collections["reader"].records.values()}
    sent = []
    for address in body["to"]:
        reader = readers.get(address, {})
        message = ctx.send_message(
            to=address, subject=body["subject"], html=body.get("html"), text=body.get("text"),
            sender="post@mailbag.example", sender_name="Mailbag", reply_to="desk@mailbag.example",
            mailing=("letter", letter["id"]), values=reader, unsubscribe="https://mailbag.example/u/{message}",
            meta={"reader_id": reader.get("id")})
        if message is not None:
            sent.append(message.id)
    return Reply(201, {"id": letter["id"], "messages": sent})


def letter_report(ctx: Context) -> Reply:
    """How many events of each type the letter's messages had so far."""
    letter = ctx.require()
    counts: dict[str, int] = {}
    for event in ctx.message_events("letter", letter["id"]):
        counts[event.type] = counts.get(event.type, 0) + 1
    return Reply(200, {"messages": len(ctx.messages("letter", letter["id"])), "events": counts})


def on_letter_message(event: MessageEvent) -> None:
    """A reader who unsubscribes is marked so."""
    reader_id = (event.message.meta or {}).get("reader_id")
    reader = event.tenant.collections["reader"].get(reader_id)
    if event.type == "unsubscribed" and reader is not None:
        event.apply("reader", reader, {"status": "unsubscribed"})


HOOKS = Hooks.of(post_letter, letter_report, messages={"letter": [on_letter_message]})
