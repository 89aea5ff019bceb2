"""Asynchronous work on the clock: contact exports (a CSV to download once ready) and contact
imports (applied when their task finishes). Each runs as a task listed under /tasks."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from mailtwin.errors import not_found
from mailtwin.hooks import Context, Hooks, Move, Reply
from mailtwin.providers.especial import audience
from mailtwin.providers.especial.common import (
    body_of,
    create,
    export_download,
    find,
    refuse,
    shown,
)
from mailtwin.providers.especial.contacts import check_fields
from mailtwin.providers.especial.reports import events_of
from mailtwin.store import Record, Tenant

KEEP = 7 * 86400
BASE_COLUMNS = ("id", "email", "status", "subscribed_on", "tags", "interests")


def _task(ctx: Context, kind: str, description: str, payload: dict[str, Any]) -> Record:
    user = ctx.tenant.collections.get("user")
    owner = next(iter(user.records.values()), {}) if user is not None else {}
    return create(ctx, "task", {
        "type": kind, "description": description, "payload": payload, "progress": 0,
        "expires_on": int(ctx.now.timestamp()) + KEEP,
        "requested_by": {"email": owner.get("email"), "id": _user_number(owner.get("id"))}})


def _user_number(user_id: Any) -> Any:
    """A user id as the task schemas type it (an integer), whatever the user record holds."""
    text = str(user_id)
    return int(text) if text.isdigit() else user_id


def create_contacts_export(ctx: Context) -> Reply:
    """Start exporting a list's contacts (all, a segment's, or a selection's)."""
    chosen = find(ctx, "list", ctx.path["list_id"])
    query = ctx.query
    selection = {k: query[k] for k in ("fiql", "query") if query.get(k)}
    problem = audience.problem_of(selection)
    if problem:
        raise refuse(problem, ("query", next(iter(selection))))
    segment_id = query.get("segment_id")
    if segment_id is not None:
        segment = ctx.tenant.collections["segment"].get(segment_id)
        if segment is None or str(segment.get("list_id")) != str(chosen["id"]):
            raise refuse(f"segment {segment_id} does not exist in list {chosen['id']}",
                         ("query", "segment_id"))
    description = str(query.get("description") or f"Contacts of list {chosen['id']}")
    task = _task(ctx, "contactsexport", description, {"list_id": chosen["id"]})
    record = create(ctx, "contacts_export", {
        "id": task["id"], "description": description, "segment_id": segment_id,
        "filter": query.get("filter"), "query": query.get("query"), "fiql": query.get("fiql"),
        "json": None, "progress": 0, "expires_on": task["expires_on"]})
    return Reply(201, {"id": record["id"], "object": "task", "created": True,
                       "data": shown(ctx, "contacts_export", record)})


def _csv(tenant: Tenant, export: Record) -> str:
    """The CSV of the contacts an export selects, as they are now."""
    segment = None
    if export.get("segment_id") is not None:
        segment = tenant.collections["segment"].get(export["segment_id"])
    contacts = audience.members(tenant, export["list_id"], segment)
    selection = {k: export[k] for k in ("fiql", "query") if export.get(k)}
    if selection:
        test = audience.selection(selection)
        contacts = [c for c in contacts if test(c)]
    names: list[str] = []
    for contact in contacts:
        for item in contact.get("custom_attributes") or []:
            if isinstance(item, dict) and item.get("name") not in names:
                names.append(str(item.get("name")))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*BASE_COLUMNS, *names])
    for contact in contacts:
        values = {str(a.get("name")): a.get("value") for a in contact.get("custom_attributes")
                  or [] if isinstance(a, dict)}
        writer.writerow([contact.get("id"), contact.get("email"), contact.get("status"),
                         contact.get("subscribed_on"), ";".join(contact.get("tags") or []),
                         ";".join(contact.get("interests") or []),
                         *[values.get(n, "") for n in names]])
    return out.getvalue()


def _export_ready(move: Move) -> None:
    tenant = move.tenant
    record = move.record
    target = move.target
    if target == "ready":
        record["csv"] = _csv(tenant, record)


LOG_COLUMNS = ("contact_id", "email", "type", "timestamp", "occurrences")


def _log_export_ready(move: Move) -> None:
    tenant = move.tenant
    record = move.record
    target = move.target
    if target != "ready":
        return
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LOG_COLUMNS)
    for event in events_of(tenant, [record["campaign_id"]]):
        writer.writerow([event.get(name) for name in LOG_COLUMNS])
    record["csv"] = out.getvalue()


def _list_log_export_ready(move: Move) -> None:
    tenant = move.tenant
    record = move.record
    target = move.target
    if target != "ready":
        return
    columns = (*LOG_COLUMNS, "campaign_id")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for event in events_of(tenant, sorted(tenant.extra.get("sends", {})), record["list_id"]):
        writer.writerow([event.get(name) for name in columns])
    record["csv"] = out.getvalue()


def download_contacts_export(ctx: Context) -> Reply:
    """The link of a finished contacts export's CSV."""
    find(ctx, "list", ctx.path["list_id"])
    export = find(ctx, "contacts_export", ctx.path["export_id"])
    return export_download(ctx, "contacts_export", export, "export_id")


def create_campaign_log_export(ctx: Context) -> Reply:
    """Start exporting a campaign's activity log."""
    campaign = find(ctx, "campaign", ctx.path["campaign_id"])
    body = body_of(ctx)
    description = str(body.get("description") or ctx.query.get("description")
                      or f"Activity of campaign {campaign['id']}")
    return _log_export(ctx, "campaignlogexport", "campaign_log_export", description,
                       {"campaign_id": campaign["id"]})


def create_list_log_export(ctx: Context) -> Reply:
    """Start exporting the activity log of a list's contacts."""
    chosen = find(ctx, "list", ctx.path["list_id"])
    description = str(body_of(ctx).get("description") or f"Activity of list {chosen['id']}")
    return _log_export(ctx, "listlogsexport", "list_log_export", description,
                       {"list_id": chosen["id"]})


def _log_export(ctx: Context, kind: str, resource: str, description: str,
                scope: dict[str, Any]) -> Reply:
    """A log export record and the task that finishes it on the clock."""
    task = _task(ctx, kind, description, scope)
    record = create(ctx, resource, {
        "id": task["id"], "description": description, "progress": 0,
        "requested_by": task["requested_by"], "expires_on": task["expires_on"]})
    return Reply(201, {"id": record["id"], "object": "task", "created": True,
                       "data": shown(ctx, resource, record)})


def create_campaigns_export(ctx: Context) -> Reply:
    """Start exporting the account's campaign reports."""
    description = str(body_of(ctx).get("description") or "Campaign reports")
    task = _task(ctx, "campaignsreportsexport", description, {})
    record = create(ctx, "campaigns_export", {
        "id": task["id"], "type": "campaignsreportsexport", "description": description,
        "progress": 0, "payload": {}, "requested_by": task["requested_by"],
        "expires_on": task["expires_on"]})
    return Reply(201, {"data": shown(ctx, "campaigns_export", record)})


def download_list_log_export(ctx: Context) -> Reply:
    """The link of a finished list log export's CSV."""
    find(ctx, "list", ctx.path["list_id"])
    export = find(ctx, "list_log_export", ctx.path["list_logs_export_id"])
    return export_download(ctx, "list_log_export", export, "list_logs_export_id")


def download_campaign_log_export(ctx: Context) -> Reply:
    """The link of a finished campaign log export's CSV."""
    find(ctx, "campaign", ctx.path["campaign_id"])
    export = find(ctx, "campaign_log_export", ctx.path["campaign_log_export_id"])
    return export_download(ctx, "campaign_log_export", export, "campaign_log_export_id")


def download_file(ctx: Context) -> Reply:
    """A generated file by its key."""
    files = ctx.shared.get("files", {})
    entry = files.get(ctx.path["file_id"])
    tenant = ctx.peek_tenant(entry[0]) if entry else None
    record = tenant.collections[entry[1]].get(entry[2]) if tenant and entry else None
    if record is None or "csv" not in record:
        raise not_found("File", ctx.path["file_id"])
    return Reply(200, media_type="text/csv; charset=utf-8",
                 raw=str(record["csv"]).encode("utf-8"))


def import_contacts(ctx: Context) -> Reply:
    """Check every contact now; add or update them when the import task finishes."""
    chosen = find(ctx, "list", ctx.path["list_id"])
    body = body_of(ctx)
    for index, contact in enumerate(body["contacts"]):
        check_fields(ctx, chosen["id"], contact, ("body", "contacts", index))
    existing = {str(c.get("email", "")).lower(): c["id"]
                for c in ctx.tenant.collections["contact"].records.values()
                if str(c.get("list_id")) == str(chosen["id"])}
    ids: list[int] = []
    planned: list[dict[str, Any]] = []
    for contact in body["contacts"]:
        email = str(contact["email"]).lower()
        ident = existing.get(email)
        if ident is None:
            ident = ctx.tenant.next_id("contact", ctx.provider.resources["contact"].first_id)
            existing[email] = ident
        ids.append(ident)
        planned.append({**contact, "id": ident})
    payload = {"list_id": chosen["id"], "contacts": planned,
               "import_to": body.get("import_to") or "active",
               "resubscribe": bool(body.get("resubscribe")),
               "remove_tags": body.get("remove_tags", True),
               "remove_interests": body.get("remove_interests", True)}
    task = _task(ctx, "unknown", f"Import of {len(ids)} contacts into list {chosen['id']}",
                 payload)
    return Reply(201, {"import_id": task["id"], "id": ids, "object": "contact",
                       "imported": True, "data": [], "errors": []})


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


def _task_done(move: Move) -> None:
    tenant = move.tenant
    record = move.record
    target = move.target
    moment = move.moment
    if target == "ready" and record.get("type") == "unknown" and "contacts" in record.get(
            "payload", {}):
        _apply_import(tenant, record["payload"], moment)


HOOKS = Hooks(operations={
    "create_contacts_export": create_contacts_export,
    "download_contacts_export": download_contacts_export, "download_file": download_file,
    "import_contacts": import_contacts, "create_campaign_log_export": create_campaign_log_export,
    "download_campaign_log_export": download_campaign_log_export,
    "create_list_log_export": create_list_log_export,
    "download_list_log_export": download_list_log_export,
    "create_campaigns_export": create_campaigns_export},
              moves={"contacts_export": [_export_ready],
                     "campaign_log_export": [_log_export_ready],
                     "list_log_export": [_list_log_export_ready],
                     "task": [_task_done]})

