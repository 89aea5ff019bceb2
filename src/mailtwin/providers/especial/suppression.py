"""Suppressed addresses: exact addresses and wildcards (`*@domain.com`, `john@*`; the forms
`@domain.com` and `john@` are read the same way). `is_suppressed` is what sends consult."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from mailtwin.hooks import Context, Hooks, Move, Reply
from mailtwin.providers.especial.common import body_of, create, export_download, find, refuse
from mailtwin.store import Record, Tenant

KEEP = 7 * 86400

_FORMS = re.compile(r"^(\*@[^@*]+\.[^@*]+|[^@*]+@\*|[^@*]+@[^@*]+\.[^@*]+)$")


def normal(entry: str) -> str:
    """`@Domain.com` -> `*@domain.com`, `john@` -> `john@*`, addresses lower-cased."""
    text = entry.strip().lower()
    if text.startswith("@"):
        text = "*" + text
    if text.endswith("@"):
        text += "*"
    return text


def blocked_in(tenant: Tenant) -> Callable[[str], bool]:
    """The tenant's suppression test (is an address suppressed, or under a suppressed
    wildcard?), for checking many addresses against one reading of the list."""
    held = {normal(entry) for entry in tenant.collections["suppressed_email"].records}

    def blocked(address: str) -> bool:
        email = address.strip().lower()
        local, _, domain = email.partition("@")
        return email in held or f"*@{domain}" in held or f"{local}@*" in held

    return blocked


def is_suppressed(tenant: Tenant, address: str) -> bool:
    """Whether the tenant suppresses an address."""
    return blocked_in(tenant)(address)


def create_suppressed_email(ctx: Context) -> Reply:
    """Suppress an address or a wildcard; each is held once."""
    body = body_of(ctx)
    entry = normal(str(body["email"]))
    if not _FORMS.match(entry):
        raise refuse(f"{body['email']!r} is neither an address nor a wildcard such as "
                     "*@domain.com or john@*", ("body", "email"))
    if ctx.tenant.collections["suppressed_email"].get(entry) is not None:
        raise refuse(f"{entry} is already suppressed", ("body", "email"))
    resource = ctx.provider.resources["suppressed_email"]
    record = ctx.insert(resource.name, ctx.new(resource.name, {"email": entry}))
    return ctx.respond(record, 201)


def create_suppressed_export(ctx: Context) -> Reply:
    """Start exporting the suppressed addresses: a task that is ready on the clock."""
    description = str(ctx.query.get("description") or "Suppressed emails")
    owner = next(iter(ctx.tenant.collections["user"].records.values()), {})
    ident = str(owner.get("id", ""))
    fields: Record = {
        "type": "suppressedemailsexport", "description": description, "payload": {},
        "progress": 0, "expires_on": int(ctx.now.timestamp()) + KEEP,
        "requested_by": {"email": owner.get("email"),
                         "id": int(ident) if ident.isdigit() else ident}}
    task = create(ctx, "task", dict(fields))
    record = create(ctx, "suppressed_emails_export", {**fields, "id": task["id"]})
    return ctx.respond(record, 201)


def download_suppressed_export(ctx: Context) -> Reply:
    """The link of a finished export's CSV (served under /files/)."""
    record = find(ctx, "suppressed_emails_export", ctx.path["export_id"])
    return export_download(ctx, "suppressed_emails_export", record, "export_id")


def _export_ready(move: Move) -> None:
    """A finished export holds the CSV of the addresses suppressed at that moment."""
    tenant = move.tenant
    record = move.record
    target = move.target
    if target != "ready":
        return
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "source", "created_on"])
    for entry in tenant.collections["suppressed_email"].records.values():
        writer.writerow([entry.get("email"), entry.get("source"), entry.get("created_on")])
    record["csv"] = out.getvalue()


HOOKS = Hooks(operations={
    "create_suppressed_email": create_suppressed_email,
    "create_suppressed_export": create_suppressed_export,
    "download_suppressed_export": download_suppressed_export},
              moves={"suppressed_emails_export": [_export_ready]})

