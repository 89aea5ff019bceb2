"""Lists and segments: a list in use by campaigns cannot be deleted, and deleting one takes
its contacts, segments and exports with it; a segment's selection must be readable."""

from __future__ import annotations

from mailtwin import handlers
from mailtwin.context import Context, Reply
from mailtwin.providers.especial import audience
from mailtwin.providers.especial.common import answer, body_of, find, lookup, refuse

OWNED = ("contact", "segment", "contacts_export", "custom_attribute", "interest")


def delete_list(ctx: Context) -> Reply:
    """Remove a list that no campaign uses, with everything it holds."""
    chosen = find(ctx, "list", ctx.path["list_id"])
    users = sorted(c["id"] for c in ctx.tenant.collections["campaign"].records.values()
                   if str((c.get("audience") or {}).get("list_id")) == str(chosen["id"]))
    if users:
        shown_ids = ", ".join(str(i) for i in users[:10])
        raise refuse(f"list {chosen['id']} is used by campaigns {shown_ids}; it cannot be "
                     "deleted", ("path", "list_id"))
    for resource in OWNED:
        collection = ctx.tenant.collections.get(resource)
        if collection is None:
            continue
        doomed = [i for i, r in collection.records.items()
                  if str(r.get("list_id")) == str(chosen["id"])]
        for ident in doomed:
            collection.delete(ident)
    ctx.tenant.collections["list"].delete(chosen["id"])
    return answer(ctx, "list", chosen, "deleted", data=False)


def _default_sender(ctx: Context) -> None:
    """A list's default sender is named by id and stored as its name and address."""
    body = body_of(ctx)
    named = body.get("default_sender")
    if not isinstance(named, dict):
        return
    sender = lookup(ctx.tenant, "sender", named.get("id"))
    if sender is None:
        raise refuse(f"sender {named.get('id')} does not exist", ("body", "default_sender", "id"))
    body["default_sender"] = {"name": sender.get("name"), "email": sender.get("email")}
    ctx.body = body


def create_list(ctx: Context) -> Reply:
    """A new list whose default sender exists."""
    _default_sender(ctx)
    return handlers.create(ctx)


def update_list(ctx: Context) -> Reply:
    """Edit a list; a new default sender must exist."""
    find(ctx, "list", ctx.path["list_id"])
    _default_sender(ctx)
    return handlers.update(ctx)


def _check_selection(ctx: Context) -> None:
    body = body_of(ctx)
    selection = {k: body[k] for k in ("fiql", "query", "json") if body.get(k)}
    problem = audience.problem_of(selection)
    if problem:
        raise refuse(problem, ("body", next(iter(selection))))


def create_segment(ctx: Context) -> Reply:
    """A new segment whose selection can be read."""
    find(ctx, "list", ctx.path["list_id"])
    _check_selection(ctx)
    return handlers.create(ctx)


def update_segment(ctx: Context) -> Reply:
    """Edit a segment; its new selection must be readable."""
    find(ctx, "list", ctx.path["list_id"])
    _check_selection(ctx)
    return handlers.update(ctx)


HOOKS = {"delete_list": delete_list, "create_list": create_list, "update_list": update_list,
         "create_segment": create_segment, "update_segment": update_segment}
