"""Senders: created unconfirmed with a confirmation id (the sandbox's stand-in for the link
the provider emails), confirmed through `POST /brands/default/senders/confirm-email`."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial.common import answer


def confirmation_id(sender_id: object) -> str:
    """The confirmation id the sandbox gives a sender: `confirm-<sender id>`."""
    return f"confirm-{sender_id}"


def create_sender(ctx: Context) -> Reply:
    """A new, unconfirmed sender; its address must not repeat another sender's."""
    body = ctx.fields()
    email = str(body["email"]).lower()
    for other in ctx.tenant.collections["sender"].records.values():
        if str(other.get("email", "")).lower() == email:
            raise ctx.refuse(f"a sender with the address {body['email']} already exists",
                             ("body", "email"))
    record = ctx.new("sender", {**body, "confirmed": False})
    record["confirmation_id"] = confirmation_id(record["id"])
    record["last_confirmation_sent_on"] = ctx.stamp()
    ctx.insert("sender", record)
    return answer(ctx, "sender", record, "created", 201)


def confirm_sender(ctx: Context) -> Reply:
    """Confirm the sender a confirmation id belongs to."""
    wanted = str(ctx.body["confirmation_id"])
    for record in ctx.tenant.collections["sender"].records.values():
        if record.get("confirmation_id") == wanted:
            if record.get("confirmed"):
                raise ctx.refuse(f"sender {record['id']} is already confirmed",
                                 ("body", "confirmation_id"))
            ctx.apply("sender", record, {"confirmed": True, "confirmed_on": ctx.stamp()})
            return Reply(200, {"confirmed": True, "object": "sender",
                               "data": ctx.render(record, "sender")})
    raise ctx.refuse(f"no sender awaits the confirmation id {wanted!r}",
                     ("body", "confirmation_id"))


def resend_sender_confirmation(ctx: Context) -> Reply:
    """Send the confirmation again to a sender that is not confirmed yet."""
    record = ctx.require("sender")
    if record.get("confirmed"):
        raise ctx.refuse(f"sender {record['id']} is already confirmed", ("path", "sender_id"))
    ctx.apply("sender", record, {"last_confirmation_sent_on": ctx.stamp()})
    return ctx.respond(record)


HOOKS = Hooks.of(create_sender, confirm_sender, resend_sender_confirmation)
