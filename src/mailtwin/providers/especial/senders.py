"""Senders: created unconfirmed, confirmed through `POST /brands/default/senders/confirm-email`
with the confirmation id of the link the provider emails.

That operation takes no token (the emailed link is used without logging in), so the id alone
names the sender and its account: each new sender, and each resent confirmation, gets a code
of its own (listed under `codes` in the control plane's state dump). With a bearer token,
`confirm-<sender id>` also names a sender of the token's account.
"""

from __future__ import annotations

from mailtwin import handlers
from mailtwin.context import Context, Reply
from mailtwin.errors import ApiError
from mailtwin.providers.especial import auth, issued
from mailtwin.providers.especial.common import answer, body_of, change, find, refuse
from mailtwin.store import Record, Tenant

CONFIRM = "sender_confirm"


def confirmation_id(sender_id: object) -> str:
    """The confirmation id the sandbox gives a sender: `confirm-<sender id>`."""
    return f"confirm-{sender_id}"


def create_sender(ctx: Context) -> Reply:
    """A new, unconfirmed sender; its address must not repeat another sender's."""
    body = body_of(ctx)
    email = str(body["email"]).lower()
    for other in ctx.tenant.collections["sender"].records.values():
        if str(other.get("email", "")).lower() == email:
            raise refuse(f"a sender with the address {body['email']} already exists",
                         ("body", "email"))
    resource = ctx.provider.resources["sender"]
    record = handlers.new_record(ctx, resource, {**body, "confirmed": False})
    record["confirmation_id"] = confirmation_id(record["id"])
    record["last_confirmation_sent_on"] = ctx.stamp()
    handlers.insert(ctx, resource, record)
    issued.issue(ctx, CONFIRM, ctx.tenant_name, record["id"])
    return answer(ctx, "sender", record, "created", 201)


def _named_with_token(ctx: Context, wanted: str) -> tuple[str, Tenant, Record] | None:
    """The sender whose `confirm-<sender id>` is `wanted` in the account of the request's
    bearer token, if it carries one that is valid."""
    if "authorization" not in ctx.headers:
        return None
    try:
        tenant_name = auth.tenant_of(ctx.runtime, ctx.provider, ctx.headers,
                                     ctx.raw_query.encode("latin-1"))
    except ApiError:
        return None  # the operation asks for no token: a bad one is as good as none
    tenant = ctx.runtime.store.tenant(ctx.provider.name, tenant_name)
    for record in tenant.collections["sender"].records.values():
        if record.get("confirmation_id") == wanted:
            return tenant_name, tenant, record
    return None


def confirm_sender(ctx: Context) -> Reply:
    """Confirm the sender a confirmation id names, in the account it belongs to."""
    wanted = str(body_of(ctx)["confirmation_id"])
    where = ("body", "confirmation_id")
    found = None if issued.holder(ctx, CONFIRM, wanted) else _named_with_token(ctx, wanted)
    if found is None:
        found = issued.held_record(ctx, CONFIRM, wanted, "sender", where, "confirmation id")
    tenant_name, tenant, record = found
    if record.get("confirmed"):
        raise refuse(f"sender {record['id']} is already confirmed", where)
    resource = ctx.provider.resources["sender"]
    ctx.runtime.engine.apply(ctx.provider.name, tenant_name, tenant, "sender",
                             record[resource.id_field],
                             {"confirmed": True, "confirmed_on": ctx.stamp()}, ctx.now)
    issued.forget(ctx, CONFIRM, tenant_name, record[resource.id_field])
    return Reply(200, {"confirmed": True, "object": "sender", "data": resource.render(record)})


def resend_sender_confirmation(ctx: Context) -> Reply:
    """Send the confirmation again to a sender that is not confirmed yet (a new code, which
    replaces the one sent before)."""
    record = find(ctx, "sender", ctx.path["sender_id"])
    if record.get("confirmed"):
        raise refuse(f"sender {record['id']} is already confirmed", ("path", "sender_id"))
    change(ctx, "sender", record, {"last_confirmation_sent_on": ctx.stamp()})
    issued.issue(ctx, CONFIRM, ctx.tenant_name, record["id"])
    return handlers.respond(ctx, record)


HOOKS = {"create_sender": create_sender, "confirm_sender": confirm_sender,
         "resend_sender_confirmation": resend_sender_confirmation}
