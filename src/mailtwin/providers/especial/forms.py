"""Forms (the list each names is a declared reference) and the subscription endpoints of a
list, which are enabled or disabled."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Reply

HOSTED = "https://forms.especial.example"


def create_form(ctx: Context) -> Reply:
    """A new form, with its hosted and embedded addresses."""
    record = ctx.new("form", ctx.fields())
    record["url"] = {"linked": f"{HOSTED}/{record['id']}",
                     "embedded": f"{HOSTED}/{record['id']}/embed.js"}
    return ctx.respond(ctx.insert("form", record), 201)


def create_list_form(ctx: Context) -> Reply:
    """A new subscription endpoint of a list, enabled, with the address forms post to."""
    chosen = ctx.require("list")
    record = ctx.new("list_form", ctx.fields())
    record["submission_url"] = f"{HOSTED}/lists/{chosen['id']}/{record['id']}"
    return ctx.respond(ctx.insert("list_form", record), 200)


def enable_list_form(ctx: Context) -> Reply:
    """Enable or disable (by the path's last word) a subscription endpoint."""
    ctx.require("list")
    record = ctx.require("list_form")
    wanted = ctx.op.spec.path.endswith("/enable")
    if bool(record.get("enabled")) == wanted:
        state = "enabled" if wanted else "disabled"
        raise ctx.refuse(f"subscription endpoint {record['id']} is already {state}",
                         ("path", "form_id"))
    ctx.tenant.collections["list_form"].update(record["id"], {"enabled": wanted})
    return ctx.respond(record)


HOOKS = Hooks.of(create_form, create_list_form, enable_list_form)
