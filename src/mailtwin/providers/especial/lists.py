"""Lists and segments: a list in use by campaigns cannot be deleted, and deleting one takes
its contacts, segments and exports with it; a segment's selection must be readable."""

from __future__ import annotations

from mailtwin import handlers
from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial import audience
from mailtwin.providers.especial.common import answer, body_of, find, lookup, refuse
from mailtwin.store import Record

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


CONTENT_KEYS = ("type", "subject", "html", "json")


def _template_fields(ctx: Context, old: Record | None) -> None:
    """A transactional template names an existing sender (stored as its name and address) and
    holds its content: given, copied from a template (`template_id`), or merged into the old."""
    body = body_of(ctx)
    named = body.get("sender")
    if isinstance(named, dict):
        sender = lookup(ctx.tenant, "sender", named.get("id"))
        if sender is None:
            raise refuse(f"sender {named.get('id')} does not exist", ("body", "sender", "id"))
        body["sender"] = {"name": sender.get("name"), "email": sender.get("email")}
    given = body.get("content")
    if isinstance(given, dict):
        content = dict((old or {}).get("content") or {})
        if "template_id" in given:
            template = lookup(ctx.tenant, "template", given["template_id"])
            if template is None:
                raise refuse(f"template {given['template_id']} does not exist",
                             ("body", "content", "template_id"))
            source = template.get("content") or {}
            content = {k: source[k] for k in CONTENT_KEYS if source.get(k) is not None}
            content.setdefault("type", "html")
            content.setdefault("subject", "")
        content.update({k: given[k] for k in CONTENT_KEYS if k in given})
        body["content"] = content
    ctx.body = body


def create_transactional_template(ctx: Context) -> Reply:
    """A new transactional email template of a list."""
    find(ctx, "list", ctx.path["list_id"])
    _template_fields(ctx, None)
    return handlers.create(ctx)


def update_transactional_template(ctx: Context) -> Reply:
    """Edit a transactional email template; a new sender or source template must exist."""
    find(ctx, "list", ctx.path["list_id"])
    old = find(ctx, "transactional_email_template", ctx.path["transactional_email_template_id"])
    _template_fields(ctx, old)
    return handlers.update(ctx)


HOOKS = Hooks(operations={
    "delete_list": delete_list, "create_list": create_list, "update_list": update_list,
    "create_segment": create_segment, "update_segment": update_segment,
    "create_transactional_template": create_transactional_template,
    "update_transactional_template": update_transactional_template})
