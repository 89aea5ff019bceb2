"""Helpers the Especial hooks share: write answers, cached records, merge values, a list's
contacts, export downloads."""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from mailtwin.hooks import Context, Move, Record, Reply
from mailtwin.listing import cached_json
from mailtwin.rawjson import Raw


def shown_json(ctx: Context, resource: str, record: Record, view: str = "detail") -> Raw:
    """A record on a view as JSON bytes, kept on the collection until the record changes (the
    answer holding them is a spliced Reply)."""
    spec = ctx.resource(resource)
    return cached_json(ctx.tenant.collections[resource], ("shown", view),
                       lambda found: spec.render(found, view))(record)


def answer(ctx: Context, resource: str, record: Record, flag: str, status: int = 200,
           data: bool = True, obj: str | None = None) -> Reply:
    """`{"id", "object", "<flag>": true, "data"}`: the documented answer of a write."""
    body: dict[str, Any] = {"id": record[ctx.resource(resource).id_field],
                            "object": obj or resource, flag: True}
    if data:
        body["data"] = ctx.render(record, resource)
    return Reply(status, body)


def attributes(contact: Record) -> dict[str, Any]:
    """A contact's merge values: email, status and every custom attribute by name."""
    values: dict[str, Any] = {"email": contact.get("email"), "id": contact.get("id"),
                              "status": contact.get("status")}
    for item in contact.get("custom_attributes") or []:
        if isinstance(item, dict) and "name" in item:
            values[str(item["name"])] = item.get("value")
    return values


def contact_values(ctx: Context, ident: Any) -> dict[str, Any]:
    """The merge values of the contact an id names (its existence is a declared reference);
    none without an id."""
    contact = ctx.record("contact", ident) if ident is not None else None
    return attributes(contact) if contact is not None else {}


_PLACEHOLDER = re.compile(r"\{\{\s*(?:contact\.)?([A-Za-z0-9_.-]+)\s*\}\}")


def merge(text: Any, values: dict[str, Any]) -> Any:
    """`Hi {{ first_name }}` -> `Hi Ada`; unknown names become empty, non-text is kept."""
    if not isinstance(text, str):
        return text
    return _PLACEHOLDER.sub(lambda m: "" if values.get(m.group(1)) is None
                            else str(values[m.group(1)]), text)


def html_page(text: Any) -> Reply:
    """An HTML answer."""
    return Reply(200, media_type="text/html; charset=utf-8", raw=str(text).encode("utf-8"))


def content_page(content: dict[str, Any], values: dict[str, Any]) -> Reply:
    """Some content's HTML (its text when it has none) merged with `values`, as a page."""
    return html_page(merge(content.get("html") or content.get("text") or "", values))


def rate(part: int, whole: int) -> float:
    """`part / whole` to four places; 0.0 of nothing."""
    return round(part / whole, 4) if whole else 0.0


def in_window(ctx: Context) -> Callable[[Any], bool]:
    """Whether a unix time lies within the request's `start_time` and `end_time` (each
    optional); a missing time never does."""
    start, end = ctx.query.get("start_time"), ctx.query.get("end_time")
    return lambda moment: isinstance(moment, int | float) \
        and (start is None or moment >= start) and (end is None or moment <= end)


def csv_text(header: Iterable[Any], lines: Iterable[Iterable[Any]]) -> str:
    """A CSV document with LF line ends: the header row, then the lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return out.getvalue()


# How long a finished task's result is kept.
KEEP = 7 * 86400


def start_task(ctx: Context, kind: str, description: str, payload: dict[str, Any]) -> Record:
    """A task that the clock finishes, requested by the account's first user."""
    owner = next(iter(ctx.tenant.collections["user"].records.values()), {})
    text = str(owner.get("id"))
    return ctx.create("task", {
        "type": kind, "description": description, "payload": payload, "progress": 0,
        "expires_on": int(ctx.now.timestamp()) + KEEP,
        # The task schemas type a user id as an integer, whatever the user record holds.
        "requested_by": {"email": owner.get("email"),
                         "id": int(text) if text.isdigit() else owner.get("id")}})


def csv_when_ready(write: Callable[[Move], str]) -> Callable[[Move], None]:
    """A move listener keeping `write(move)` as an export's CSV when the export is ready."""
    def listener(move: Move) -> None:
        if move.target == "ready":
            move.record["csv"] = write(move)
    return listener


def start_export(ctx: Context, kind: str, resource: str, description: str,
                 scope: dict[str, Any], kept: tuple[str, ...], **fields: Any) -> Record:
    """An export record whose task the clock finishes: the task's `kept` fields and more."""
    task = start_task(ctx, kind, description, scope)
    return ctx.create(resource, {**{name: task[name] for name in kept}, **fields})


def keep_bounded(held: dict[str, Any], key: str, entry: Any, limit: int,
                 lapsed: Callable[[Any], bool]) -> None:
    """Keep an entry among at most `limit`: lapsed ones are dropped first, then the oldest."""
    for gone in [k for k, kept in held.items() if lapsed(kept)]:
        del held[gone]
    while len(held) >= limit:
        del held[next(iter(held))]
    held[key] = entry


def link_live(entry: Any, now: float) -> bool:
    """True while a download link works (links kept from before they expired never do)."""
    return len(entry) > 3 and now < entry[3]


def download_export(ctx: Context) -> Reply:
    """The link of a finished export (the operation's resource) as a CSV served under
    /files/ until the link expires, refused until ready; the list or campaign the path names
    must exist. At most `max_links` links are kept, the oldest dropped first."""
    resource = ctx.resource()
    ctx.require_path()
    export = ctx.require()
    if export.get("status") != "ready":
        raise ctx.refuse(f"export {export['id']} is {export.get('status')}; it can be "
                         "downloaded once ready", ("path", resource.param))
    now, config, key = ctx.clock.timestamp(), ctx.config, secrets.token_urlsafe(16)
    keep_bounded(ctx.shared.setdefault("files", {}), key,
                 (ctx.tenant_name, resource.name, export["id"], now + config.link_seconds),
                 config.max_links, lambda entry: not link_live(entry, now))
    url = ctx.url(f"{ctx.provider.mount}/files/{key}")
    return Reply(200, {"data": {"expires_on": export.get("expires_on"), "url": url}})
