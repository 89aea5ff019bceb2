"""Forms (each names an existing list) and the subscription endpoints of a list, which are
enabled or disabled."""

from __future__ import annotations

from mailtwin import handlers
from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial import issued
from mailtwin.providers.especial.common import body_of, find, lookup, refuse

HOSTED = "https://forms.especial.example"


def _check_list(ctx: Context) -> None:
    list_id = body_of(ctx).get("list_id")
    if list_id is not None and lookup(ctx.tenant, "list", list_id) is None:
        raise refuse(f"list {list_id} does not exist", ("body", "list_id"))


def create_form(ctx: Context) -> Reply:
    """A new form for an existing list, with its hosted and embedded addresses."""
    _check_list(ctx)
    resource = ctx.provider.resources["form"]
    record = ctx.new(resource.name, body_of(ctx))
    record["id"] = issued.short_id(ctx.tenant, "form", "form")
    record["url"] = {"linked": f"{HOSTED}/{record['id']}",
                     "embedded": f"{HOSTED}/{record['id']}/embed.js"}
    ctx.insert(resource.name, record)
    return ctx.respond(record, 201)


def update_form(ctx: Context) -> Reply:
    """Edit a form; a new list must exist."""
    _check_list(ctx)
    return handlers.update(ctx)


def create_list_form(ctx: Context) -> Reply:
    """A new subscription endpoint of a list, enabled, with the address forms post to."""
    chosen = find(ctx, "list", ctx.path["list_id"])
    resource = ctx.provider.resources["list_form"]
    record = ctx.new(resource.name, body_of(ctx))
    record["id"] = issued.short_id(ctx.tenant, "list_form", "sf")
    record["submission_url"] = f"{HOSTED}/lists/{chosen['id']}/{record['id']}"
    ctx.insert(resource.name, record)
    return ctx.respond(record, 200)


def enable_list_form(ctx: Context) -> Reply:
    """Enable or disable (by the path's last word) a subscription endpoint."""
    find(ctx, "list", ctx.path["list_id"])
    record = find(ctx, "list_form", ctx.path["form_id"])
    wanted = ctx.op.spec.path.endswith("/enable")
    if bool(record.get("enabled")) == wanted:
        state = "enabled" if wanted else "disabled"
        raise refuse(f"subscription endpoint {record['id']} is already {state}",
                     ("path", "form_id"))
    ctx.tenant.collections["list_form"].update(record["id"], {"enabled": wanted})
    return ctx.respond(record)


HOOKS = Hooks(operations={
    "create_form": create_form, "update_form": update_form, "create_list_form": create_list_form,
    "enable_list_form": enable_list_form})
