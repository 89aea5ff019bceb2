"""Account tags, kept coherent with the tags contacts carry: a tag in use on a contact is
listed (without being stored until it is changed), renaming a tag renames it on every
contact, deleting it removes it from them."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Record, Reply, not_found, rows


def _all_tags(ctx: Context) -> list[str]:
    """The stored tags, then those only contacts carry, in order of first appearance."""
    carried = (tag for contact in ctx.tenant.collections["contact"].records.values()
               for tag in contact.get("tags") or [])
    return list(dict.fromkeys([*ctx.tenant.collections["tag"].records, *carried]))


def _existing(ctx: Context, name: str) -> str:
    if name not in _all_tags(ctx):
        raise not_found("Tag", name)
    return name


def _contacts_with(ctx: Context, tag: str) -> list[Record]:
    return [c for c in ctx.tenant.collections["contact"].records.values()
            if tag in (c.get("tags") or [])]


def list_tags(ctx: Context) -> Reply:
    """Every tag of the account, a page at a time."""
    return ctx.page(rows(({"tag": name} for name in _all_tags(ctx)), "tag"))


def show_tag(ctx: Context) -> Reply:
    """One tag."""
    return Reply(200, {"data": {"tag": _existing(ctx, ctx.path["tag"])}})


def create_tag(ctx: Context) -> Reply:
    """A new tag; its name must be new."""
    name = str(ctx.body["tag"])
    if name in _all_tags(ctx):
        raise ctx.refuse(f"the tag {name} already exists", ("body", "tag"))
    return ctx.proceed()


def rename_tag(ctx: Context) -> Reply:
    """Rename a tag, on the account and on every contact carrying it."""
    old = _existing(ctx, ctx.path["tag"])
    new = str(ctx.body["tag"])
    if new != old and new in _all_tags(ctx):
        raise ctx.refuse(f"the tag {new} already exists", ("body", "tag"))
    for contact in _contacts_with(ctx, old):
        renamed = dict.fromkeys(new if tag == old else tag for tag in contact.get("tags") or [])
        ctx.apply("contact", contact, {"tags": list(renamed)})
    tags = ctx.tenant.collections["tag"]
    tags.delete(old)
    record = tags.insert({"tag": new})
    return ctx.respond(record)


def delete_tag(ctx: Context) -> Reply:
    """Remove a tag from the account and from every contact carrying it."""
    name = _existing(ctx, ctx.path["tag"])
    for contact in _contacts_with(ctx, name):
        ctx.apply("contact", contact,
                  {"tags": [t for t in contact.get("tags") or [] if t != name]})
    ctx.tenant.collections["tag"].delete(name)
    return ctx.respond({"tag": name})


HOOKS = Hooks.of(list_tags, show_tag, create_tag, rename_tag, delete_tag)
