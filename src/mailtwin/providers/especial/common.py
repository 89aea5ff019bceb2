"""Helpers the Especial hooks share: lookups, refusals, write answers, recipients, merging."""

from __future__ import annotations

import re
import secrets
from typing import Any

from mailtwin.errors import ApiError, Location, bad_request
from mailtwin.hooks import Context, Reply
from mailtwin.listing import cached_json
from mailtwin.rawjson import Raw
from mailtwin.store import Record, Tenant


def find(ctx: Context, resource: str, ident: Any) -> Record:
    """A record of a resource by id (in the request's path scope), or the 404."""
    return ctx.require(resource, ident)


def lookup(tenant: Tenant, resource: str, ident: Any) -> Record | None:
    """A record by id, ids compared as given or as text."""
    records = tenant.collections[resource].records
    found = records.get(ident)
    if found is None and isinstance(ident, str) and ident.isdigit():
        found = records.get(int(ident))
    return found


def refuse(message: str, location: Location = ("body",)) -> ApiError:
    """400 `bad_request` for an illegal move or a bad reference; its `loc` items are text, as
    the published bad-request schema types them (list positions too)."""
    return bad_request(message, tuple(str(part) for part in location))


def shown(ctx: Context, resource: str, record: Record, view: str = "detail") -> Any:
    """A record projected on one of its resource's views."""
    return ctx.provider.resources[resource].render(record, view)


def shown_json(ctx: Context, resource: str, record: Record, view: str = "detail") -> Raw:
    """shown(), as JSON bytes kept on the collection until the record changes (the answer
    holding them is a spliced Reply)."""
    spec = ctx.provider.resources[resource]
    return cached_json(ctx.tenant.collections[resource], ("shown", view),
                       lambda found: spec.render(found, view))(record)


def answer(ctx: Context, resource: str, record: Record, flag: str, status: int = 200,
           data: bool = True, obj: str | None = None) -> Reply:
    """`{"id", "object", "<flag>": true, "data"}`: the documented answer of a write."""
    body: dict[str, Any] = {"id": record[ctx.provider.resources[resource].id_field],
                            "object": obj or resource, flag: True}
    if data:
        body["data"] = shown(ctx, resource, record)
    return Reply(status, body)


def body_of(ctx: Context) -> dict[str, Any]:
    """The request body as a mapping (validation already checked its shape)."""
    return dict(ctx.body) if isinstance(ctx.body, dict) else {}


def change(ctx: Context, resource: str, record: Record, changes: Record) -> Record:
    """Store changes to a record through the lifecycle engine (moves are noticed)."""
    return ctx.apply(resource, record, changes)


def create(ctx: Context, resource: str, fields: Record) -> Record:
    """A new record of a resource, stamped and stored."""
    return ctx.create(resource, fields)


def attributes(contact: Record) -> dict[str, Any]:
    """A contact's merge values: email, status and every custom attribute by name."""
    values: dict[str, Any] = {"email": contact.get("email"), "id": contact.get("id"),
                              "status": contact.get("status")}
    for item in contact.get("custom_attributes") or []:
        if isinstance(item, dict) and "name" in item:
            values[str(item["name"])] = item.get("value")
    return values


_PLACEHOLDER = re.compile(r"\{\{\s*(?:contact\.)?([A-Za-z0-9_.-]+)\s*\}\}")


def merge(text: Any, values: dict[str, Any]) -> Any:
    """`Hi {{ first_name }}` -> `Hi Ada`; unknown names become empty, non-text is kept."""
    if not isinstance(text, str):
        return text
    return _PLACEHOLDER.sub(lambda m: "" if values.get(m.group(1)) is None
                            else str(values[m.group(1)]), text)


def list_contacts(tenant: Tenant, list_id: Any) -> list[Record]:
    """The contacts of one list, in insertion order."""
    collection = tenant.collections["contact"]
    if "list_id" in collection.index:
        wanted = [list_id, str(list_id)]
        if isinstance(list_id, str) and list_id.isdigit():
            wanted.append(int(list_id))
        return [collection.records[i] for i in collection.ids_where("list_id", wanted)]
    return [r for r in collection.records.values() if str(r.get("list_id")) == str(list_id)]


def export_download(ctx: Context, resource: str, export: Record, param: str) -> Reply:
    """The link of a finished export's CSV (served under /files/); refused until ready."""
    if export.get("status") != "ready":
        raise refuse(f"export {export['id']} is {export.get('status')}; it can be downloaded "
                     "once ready", ("path", param))
    files = ctx.shared.setdefault("files", {})
    key = secrets.token_urlsafe(16)
    files[key] = (ctx.tenant_name, resource, export["id"])
    url = ctx.url(f"{ctx.provider.mount}/files/{key}")
    return Reply(200, {"data": {"expires_on": export.get("expires_on"), "url": url}})

