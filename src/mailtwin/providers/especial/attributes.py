"""What a list declares for its contacts: custom attributes and interests. The list must
exist; names are unique within the list (another list may declare the same name); deleting
or renaming follows on the list's contacts; interests are added to or removed from many
contacts at once."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial.contacts import check_fields, chosen_contacts
from mailtwin.store import Record

# Contact fields a custom attribute may not shadow.
RESERVED = frozenset({"id", "email", "status", "tags", "interests", "list_id", "subscribed_on",
                      "unsubscribed_on", "custom_attributes", "bounces_count",
                      "last_bounce_type"})


def _new_name(ctx: Context, resource: str, name: str, list_id: Any, what: str) -> None:
    """Refuse a name the list already has."""
    collection = ctx.tenant.collections[resource]
    if any(str(collection.records[key].get("list_id")) == str(list_id)
           for key in collection.ids_where("name", [name])):
        raise ctx.refuse(f"list {list_id} already has the {what} {name!r}", ("body", "name"))


def _drop(ctx: Context, resource: str, record: Record) -> None:
    spec = ctx.provider.resources[resource]
    ctx.tenant.collections[resource].delete(record[spec.id_field])


def create_custom_attribute(ctx: Context) -> Reply:
    """Declare a custom attribute on a list."""
    chosen = ctx.require("list")
    name = str(ctx.body["name"])
    if name.lower() in RESERVED:
        raise ctx.refuse(f"{name!r} is a contact field; choose another attribute name",
                         ("body", "name"))
    _new_name(ctx, "custom_attribute", name, chosen["id"], "custom attribute")
    return ctx.proceed()


def delete_custom_attribute(ctx: Context) -> Reply:
    """Remove a custom attribute from a list and from its contacts."""
    chosen = ctx.require("list")
    record = ctx.require("custom_attribute")
    for contact in ctx.records("contact", list_id=chosen["id"]):
        kept = [a for a in contact.get("custom_attributes") or []
                if not (isinstance(a, dict) and a.get("name") == record["name"])]
        if len(kept) != len(contact.get("custom_attributes") or []):
            ctx.apply("contact", contact, {"custom_attributes": kept})
    _drop(ctx, "custom_attribute", record)
    return ctx.respond(record)


def create_interest(ctx: Context) -> Reply:
    """Declare an interest on a list."""
    chosen = ctx.require("list")
    _new_name(ctx, "interest", str(ctx.body["name"]), chosen["id"], "interest")
    return ctx.proceed()


def _rename_on_contacts(ctx: Context, list_id: Any, old: str, new: str | None) -> None:
    """Rename (or, with None, remove) an interest on the contacts of a list."""
    for contact in ctx.records("contact", list_id=list_id):
        held = list(contact.get("interests") or [])
        if old not in held:
            continue
        moved: list[str] = []
        for name in held:
            value = new if name == old else name
            if value is not None and value not in moved:
                moved.append(value)
        ctx.apply("contact", contact, {"interests": moved})


def update_interest(ctx: Context) -> Reply:
    """Edit an interest; a new name follows on the list's contacts."""
    chosen = ctx.require("list")
    record = ctx.require("interest")
    body = ctx.fields()
    new = body.get("name")
    if new is not None and new != record["name"]:
        _new_name(ctx, "interest", str(new), chosen["id"], "interest")
        _rename_on_contacts(ctx, chosen["id"], record["name"], str(new))
    key = record[ctx.resource("interest").id_field]
    return ctx.respond(ctx.tenant.collections["interest"].update(key, body))


def delete_interest(ctx: Context) -> Reply:
    """Remove an interest from a list and from its contacts."""
    chosen = ctx.require("list")
    record = ctx.require("interest")
    _rename_on_contacts(ctx, chosen["id"], record["name"], None)
    _drop(ctx, "interest", record)
    return ctx.respond(record)


def change_interests(ctx: Context) -> Reply:
    """Give interests the list declares to many of its contacts (`/add-interests`), or take
    them away (`/remove-interests`)."""
    chosen = ctx.require("list")
    names = [str(n) for n in ctx.body["interests"]]
    check_fields(ctx, chosen["id"], {"interests": names})
    adding = ctx.op.spec.path.endswith("/add-interests")
    for contact in chosen_contacts(ctx, chosen["id"]):
        held = list(contact.get("interests") or [])
        kept = held + [n for n in names if n not in held] if adding \
            else [n for n in held if n not in names]
        ctx.apply("contact", contact, {"interests": kept})
    return Reply(200, {"object": "interests", "added" if adding else "removed": True})


def interest_usage(ctx: Context, record: Record) -> Any:
    """An interest as shown, with the number of the list's contacts holding it."""
    count = sum(1 for c in ctx.records("contact", list_id=record.get("list_id"))
                if record["name"] in (c.get("interests") or []))
    return {**ctx.render(record, "interest"), "usage": count}


def show_interest(ctx: Context) -> Reply:
    """One interest of a list, with its current usage."""
    ctx.require("list")
    return Reply(200, {"data": interest_usage(ctx, ctx.require("interest"))})


HOOKS = Hooks.of(show_interest, create_custom_attribute, delete_custom_attribute, create_interest,
                 update_interest, delete_interest, change_interests)
