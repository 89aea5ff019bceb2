"""Asynchronous work on the clock: contact, campaign log and list log exports (a CSV to
download once ready, see `common.download_export`) and contact imports (applied when their
task finishes). Each runs as a task listed under /tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailtwin.hooks import Context, Hooks, Move, Record, Reply, Tenant, not_found
from mailtwin.providers.especial import audience
from mailtwin.providers.especial.common import (
    answer,
    csv_text,
    csv_when_ready,
    download_export,
    link_live,
    start_export,
    start_task,
)
from mailtwin.providers.especial.contacts import check_fields
from mailtwin.providers.especial.reports import events_of

BASE_COLUMNS = ("id", "email", "status", "subscribed_on", "tags", "interests")
LOG_COLUMNS = ("contact_id", "email", "type", "timestamp", "occurrences")


def create_contacts_export(ctx: Context) -> Reply:
    """Start exporting a list's contacts (all, a segment's, or a selection's)."""
    chosen = ctx.require("list")
    query = ctx.query
    audience.readable(ctx, {k: query[k] for k in ("fiql", "query") if query.get(k)}, "query")
    description = str(query.get("description") or f"Contacts of list {chosen['id']}")
    record = start_export(ctx, "contactsexport", "contacts_export", description,
                          {"list_id": chosen["id"]}, ("id", "description", "expires_on"),
                          segment_id=query.get("segment_id"), filter=query.get("filter"),
                          query=query.get("query"), fiql=query.get("fiql"), json=None,
                          progress=0)
    return answer(ctx, "contacts_export", record, "created", 201, obj="task")


def _contacts_csv(move: Move) -> str:
    """The CSV of the contacts an export selects, as they are now."""
    tenant, export = move.tenant, move.record
    segment = None
    if export.get("segment_id") is not None:
        segment = tenant.collections["segment"].get(export["segment_id"])
    contacts = audience.members(tenant, export["list_id"], segment)
    selection = {k: export[k] for k in ("fiql", "query") if export.get(k)}
    if selection:
        test = audience.selection(selection)
        contacts = [c for c in contacts if test(c)]
    names = list(dict.fromkeys(str(item.get("name")) for contact in contacts
                               for item in contact.get("custom_attributes") or []
                               if isinstance(item, dict)))

    def line(contact: Record) -> list[Any]:
        values = {str(a.get("name")): a.get("value")
                  for a in contact.get("custom_attributes") or [] if isinstance(a, dict)}
        return [contact.get("id"), contact.get("email"), contact.get("status"),
                contact.get("subscribed_on"), ";".join(contact.get("tags") or []),
                ";".join(contact.get("interests") or []), *[values.get(n, "") for n in names]]

    return csv_text([*BASE_COLUMNS, *names], map(line, contacts))


def _log_csv(columns: tuple[str, ...], events: list[Record]) -> str:
    return csv_text(columns, ([e.get(n) for n in columns] for e in events))


def _campaign_log_csv(move: Move) -> str:
    return _log_csv(LOG_COLUMNS, events_of(move, move.record["campaign_id"]))


def _list_log_csv(move: Move) -> str:
    return _log_csv((*LOG_COLUMNS, "campaign_id"), events_of(move, list_id=move.record["list_id"]))


# What the path names -> the kind of task and the export resource of its activity log.
LOG_EXPORTS = {"campaign": ("campaignlogexport", "campaign_log_export"),
               "list": ("listlogsexport", "list_log_export")}


def create_log_export(ctx: Context) -> Reply:
    """Start exporting the activity log of a campaign or of a list's contacts (a campaign's
    description may also come in the query)."""
    named = "campaign" if "campaign_id" in ctx.path else "list"
    owner = ctx.require(named)
    asked = ctx.query.get("description") if named == "campaign" else None
    description = str(ctx.fields().get("description") or asked
                      or f"Activity of {named} {owner['id']}")
    kind, resource = LOG_EXPORTS[named]
    record = start_export(ctx, kind, resource, description, {f"{named}_id": owner["id"]},
                          ("id", "description", "progress", "requested_by", "expires_on"))
    return answer(ctx, resource, record, "created", 201, obj="task")


def create_campaigns_export(ctx: Context) -> Reply:
    """Start exporting the account's campaign reports."""
    description = str(ctx.fields().get("description") or "Campaign reports")
    record = start_export(ctx, "campaignsreportsexport", "campaigns_export", description, {},
                          ("id", "type", "description", "progress", "payload", "requested_by",
                           "expires_on"))
    return Reply(201, {"data": ctx.render(record, "campaigns_export")})


def download_file(ctx: Context) -> Reply:
    """A generated file by its key."""
    files = ctx.shared.get("files", {})
    entry = files.get(ctx.path["file_id"])
    if entry is not None and not link_live(entry, ctx.clock.timestamp()):
        del files[ctx.path["file_id"]]
        entry = None
    tenant = ctx.peek_tenant(entry[0]) if entry else None
    record = tenant.collections[entry[1]].get(entry[2]) if tenant and entry else None
    if record is None or "csv" not in record:
        raise not_found("File", ctx.path["file_id"])
    return Reply(200, media_type="text/csv; charset=utf-8",
                 raw=str(record["csv"]).encode("utf-8"))


def import_contacts(ctx: Context) -> Reply:
    """Check every contact now; add or update them when the import task finishes."""
    chosen = ctx.require("list")
    body = ctx.fields()
    for index, contact in enumerate(body["contacts"]):
        check_fields(ctx, chosen["id"], contact, ("body", "contacts", index))
    existing = {str(c.get("email", "")).lower(): c["id"]
                for c in ctx.records("contact", list_id=chosen["id"])}
    planned: list[dict[str, Any]] = []
    for contact in body["contacts"]:
        email = str(contact["email"]).lower()
        if email not in existing:
            existing[email] = ctx.tenant.next_id("contact", ctx.resource("contact").first_id)
        planned.append({**contact, "id": existing[email]})
    payload = {"list_id": chosen["id"], "contacts": planned,
               "import_to": body.get("import_to") or "active",
               "resubscribe": bool(body.get("resubscribe")),
               "remove_tags": body.get("remove_tags", True),
               "remove_interests": body.get("remove_interests", True)}
    task = start_task(ctx, "unknown", f"Import of {len(planned)} contacts into list "
                      f"{chosen['id']}", payload)
    return Reply(201, {"import_id": task["id"], "id": [c["id"] for c in planned],
                       "object": "contact", "imported": True, "data": [], "errors": []})


def _apply_import(tenant: Tenant, payload: dict[str, Any], moment: datetime) -> None:
    collection = tenant.collections["contact"]
    stamp = int(moment.timestamp())
    for item in payload["contacts"]:
        record = collection.get(item["id"])
        if record is None:
            collection.insert({
                "id": item["id"], "list_id": payload["list_id"], "email": item["email"],
                "status": payload["import_to"], "subscribed_on": stamp, "last_bounce_type": "",
                "bounces_count": 0, "custom_attributes": item.get("custom_attributes") or [],
                "tags": item.get("tags") or [], "interests": item.get("interests") or []})
            continue
        changes: Record = {"custom_attributes": item.get("custom_attributes")
                           or record.get("custom_attributes") or []}
        for key, flag in (("tags", "remove_tags"), ("interests", "remove_interests")):
            given = list(item.get(key) or [])
            kept = [] if payload[flag] else list(record.get(key) or [])
            changes[key] = kept + [v for v in given if v not in kept]
        if record.get("status") == "unsubscribed" and payload["resubscribe"]:
            changes["status"] = "active"
        collection.update(item["id"], changes)


def _import_done(move: Move) -> None:
    payload = move.record.get("payload", {})
    if move.target == "ready" and move.record.get("type") == "unknown" and "contacts" in payload:
        _apply_import(move.tenant, payload, move.moment)


HOOKS = Hooks.of(create_contacts_export, download_file, import_contacts,
                 create_log_export, create_campaigns_export,
                 download_export,
                 moves={"contacts_export": [csv_when_ready(_contacts_csv)],
                        "campaign_log_export": [csv_when_ready(_campaign_log_csv)],
                        "list_log_export": [csv_when_ready(_list_log_csv)],
                        "task": [_import_done]})
