"""Contacts of a list: one address per list, custom attributes and interests the list
declares, tags on one or many contacts, and the members a segment selects."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Hooks, Record, Reply
from mailtwin.listing import Listing
from mailtwin.providers.especial import audience, automation
from mailtwin.providers.especial.common import answer


def check_fields(ctx: Context, list_id: Any, fields: Record,
                 where: tuple[str | int, ...] = ("body",)) -> None:
    """Custom attributes and interests must be ones the list declares."""
    names = {str(r.get("name")) for r in ctx.records("custom_attribute", list_id=list_id)}
    for index, item in enumerate(fields.get("custom_attributes") or []):
        if isinstance(item, dict) and str(item.get("name")) not in names:
            raise ctx.refuse(f"list {list_id} has no custom attribute {item.get('name')!r}",
                             (*where, "custom_attributes", index, "name"))
    interests = {str(r.get("name")) for r in ctx.records("interest", list_id=list_id)}
    for index, name in enumerate(fields.get("interests") or []):
        if str(name) not in interests:
            raise ctx.refuse(f"list {list_id} has no interest {name!r}",
                             (*where, "interests", index))


def by_email(ctx: Context, list_id: Any, email: str) -> Record | None:
    """The list's contact with this address (compared without case), if any."""
    wanted = email.strip().lower()
    for contact in ctx.records("contact", list_id=list_id):
        if str(contact.get("email", "")).lower() == wanted:
            return contact
    return None


def _refuse_taken(ctx: Context, list_id: Any, email: str, contact: Any = None) -> None:
    """Refuse an address another contact of the list holds."""
    other = by_email(ctx, list_id, email)
    if other is not None and other["id"] != contact:
        raise ctx.refuse(f"{email} is already a contact of list {list_id}", ("body", "email"))


def _merge_attributes(old: list[Any], new: list[Any]) -> list[Any]:
    merged = {str(a.get("name")): a for a in old if isinstance(a, dict)}
    for item in new:
        merged[str(item.get("name"))] = {"name": item.get("name"), "value": item.get("value")}
    return list(merged.values())


def create_contact(ctx: Context) -> Reply:
    """Add an address to a list (workflows triggered by `subscribed` start for it); an
    unsubscribed one comes back only with resubscribe."""
    chosen = ctx.require("list")
    body = ctx.fields()
    check_fields(ctx, chosen["id"], body)
    existing = by_email(ctx, chosen["id"], str(body["email"]))
    if existing is not None:
        if existing.get("status") == "unsubscribed" and ctx.query.get("resubscribe", True):
            ctx.apply("contact", existing, {
                "status": "active", "subscribed_on": ctx.stamp(),
                "custom_attributes": _merge_attributes(existing.get("custom_attributes") or [],
                                                     body.get("custom_attributes") or [])})
            return answer(ctx, "contact", existing, "created", 201)
        _refuse_taken(ctx, chosen["id"], str(body["email"]))
    record = subscribe(ctx, {"email": body["email"],
                             "custom_attributes": body.get("custom_attributes") or []})
    return answer(ctx, "contact", record, "created", 201)


def subscribe(ctx: Context, fields: Record) -> Record:
    """A new contact of the request's list; the workflows its subscription triggers start."""
    record = ctx.create("contact", fields)
    if record.get("status") == "active":
        automation.run(ctx.tenant, record, "subscribed", ctx.now)
    return record


def update_contact(ctx: Context) -> Reply:
    """Edit a contact: address (unique in its list), attributes, tags and interests."""
    chosen = ctx.require("list")
    contact = ctx.require("contact")
    body = ctx.fields()
    check_fields(ctx, chosen["id"], body)
    if body.get("email") is not None:
        _refuse_taken(ctx, chosen["id"], str(body["email"]), contact["id"])
    fields: Record = {k: v for k, v in body.items() if k != "custom_attributes"}
    if "custom_attributes" in body:
        fields["custom_attributes"] = _merge_attributes(contact.get("custom_attributes") or [],
                                                        body["custom_attributes"])
    ctx.apply("contact", contact, fields)
    return answer(ctx, "contact", contact, "updated")


def retag_contacts(ctx: Context) -> Reply:
    """Add tags to (`/tag`) or remove them from (`/untag`) one contact of a list (the path
    names it) or many (the body names them)."""
    chosen = ctx.require("list")
    if "contact_id" in ctx.path:
        contacts = [ctx.require("contact")]
    else:
        contacts = chosen_contacts(ctx, chosen["id"])
    tags, add = list(ctx.body["tags"]), ctx.op.spec.path.endswith("/tag")
    for contact in contacts:
        before = list(contact.get("tags") or [])
        if add:
            current = before + [t for t in tags if t not in before]
        else:
            current = [t for t in before if t not in tags]
        updated = ctx.apply("contact", contact, {"tags": current})
        if current != before:
            ctx.announce(updated, "tag" if add else "untag", "contact")
    return Reply(200, {"tagged": True} if add else {"untagged": True})


def chosen_contacts(ctx: Context, list_id: Any) -> list[Record]:
    """The contacts a many-contacts body names: `contact_ids`, or a selection."""
    body = ctx.fields()
    contacts = ctx.records("contact", list_id=list_id)
    if body.get("contact_ids"):
        by_id = {c["id"]: c for c in contacts}
        missing = [i for i in body["contact_ids"] if i not in by_id]
        if missing:
            raise ctx.refuse(f"list {list_id} has no contacts {missing}", ("body", "contact_ids"))
        return [by_id[i] for i in body["contact_ids"]]
    selection = {k: body[k] for k in ("fiql", "query", "json") if body.get(k)}
    if not selection:
        raise ctx.refuse("name the contacts with contact_ids, query, fiql or json",
                         ("body", "contact_ids"))
    test = audience.readable(ctx, selection, "body")
    return [c for c in contacts if test(c)]


def segment_contacts(ctx: Context) -> Reply:
    """The contacts of a list that a segment selects, a page at a time."""
    chosen = ctx.require("list")
    segment = ctx.require("segment")
    audience.readable(ctx, segment, "path", f"segment {segment['id']} cannot be evaluated: ")
    members = audience.members(ctx.tenant, chosen["id"], segment)
    ids = [c["id"] for c in members]
    resource = ctx.resource("contact")
    plan = ctx.query_plan()
    found = Listing(ctx.tenant.collections["contact"], ids, plan.predicates,
                    lambda r: resource.render(r, "summary"))
    return ctx.page(found)


HOOKS = Hooks.of(create_contact, update_contact, retag_contacts, segment_contacts)
