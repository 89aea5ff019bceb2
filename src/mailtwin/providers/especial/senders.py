"""Senders: created unconfirmed, confirmed through `POST /brands/default/senders/confirm-email`
with the confirmation id of the link the provider emails.

That operation takes no token (the emailed link is used without logging in), so the id alone
names the sender and its account: each new sender, and each resent confirmation, gets a code
of its own (listed under `codes` in the control plane's state dump). With a bearer token,
`confirm-<sender id>` also names a sender of the token's account.
"""

from __future__ import annotations

from mailtwin.hooks import ApiError, Context, Hooks, Record, Reply
from mailtwin.providers.especial import issued
from mailtwin.providers.especial.common import answer

CONFIRM = "sender_confirm"


def confirmation_id(sender_id: object) -> str:
    """The confirmation id the sandbox gives a sender: `confirm-<sender id>`."""
    return f"confirm-{sender_id}"


def create_sender(ctx: Context) -> Reply:
    """A new, unconfirmed sender; its address must not repeat another sender's."""
    body = ctx.fields()
    email = str(body["email"]).lower()
    if any(str(other.get("email", "")).lower() == email for other in ctx.records("sender")):
        raise ctx.refuse(f"a sender with the address {body['email']} already exists",
                         ("body", "email"))
    record = ctx.new("sender", {**body, "confirmed": False})
    record["confirmation_id"] = confirmation_id(record["id"])
    record["last_confirmation_sent_on"] = ctx.stamp()
    ctx.insert("sender", record)
    issued.issue(ctx, CONFIRM, ctx.tenant_name, record["id"])
    ctx.announce(record, "send_confirmation", "sender")
    return answer(ctx, "sender", record, "created", 201)


def _named_with_token(ctx: Context, wanted: str) -> tuple[str, Record] | None:
    """The sender whose `confirm-<sender id>` is `wanted` in the account of the request's
    bearer token, if it carries one that is valid."""
    if "authorization" not in ctx.headers:
        return None
    try:
        tenant_name = ctx.authenticated()
    except ApiError:
        return None  # the operation asks for no token: a bad one is as good as none
    found = ctx.tenant_of(tenant_name).where("sender", confirmation_id=wanted)
    return (tenant_name, found[0]) if found else None


def confirm_sender(ctx: Context) -> Reply:
    """Confirm the sender a confirmation id names, in the account it belongs to."""
    wanted = str(ctx.body["confirmation_id"])
    where = ("body", "confirmation_id")
    found = None if issued.holder(ctx, CONFIRM, wanted) else _named_with_token(ctx, wanted)
    if found is None:
        tenant_name, _, record = issued.held_record(ctx, CONFIRM, wanted, "sender", where,
                                                    "confirmation id")
        found = tenant_name, record
    tenant_name, record = found
    if record.get("confirmed"):
        raise ctx.refuse(f"sender {record['id']} is already confirmed", where)
    record = ctx.apply("sender", record, {"confirmed": True, "confirmed_on": ctx.stamp()},
                       tenant=tenant_name)
    ctx.announce(record, "confirm", "sender", tenant=tenant_name)
    issued.forget(ctx, CONFIRM, tenant_name, record["id"])
    return Reply(200, {"confirmed": True, "object": "sender",
                       "data": ctx.render(record, "sender")})


def resend_sender_confirmation(ctx: Context) -> Reply:
    """Send the confirmation again to a sender that is not confirmed yet (a new code, which
    replaces the one sent before)."""
    record = ctx.require("sender")
    if record.get("confirmed"):
        raise ctx.refuse(f"sender {record['id']} is already confirmed", ("path", "sender_id"))
    record = ctx.apply("sender", record, {"last_confirmation_sent_on": ctx.stamp()})
    issued.issue(ctx, CONFIRM, ctx.tenant_name, record["id"])
    ctx.announce(record, "send_confirmation", "sender")
    return ctx.respond(record)


HOOKS = Hooks.of(create_sender, confirm_sender, resend_sender_confirmation)
