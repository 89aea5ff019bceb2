"""Suppressed addresses: exact addresses and wildcards (`*@domain.com`, `john@*`; the forms
`@domain.com` and `john@` are read the same way). `is_suppressed` is what sends consult."""

from __future__ import annotations

import re
from collections.abc import Callable

from mailtwin.hooks import Context, Hooks, Move, Reply, Tenant
from mailtwin.providers.especial.common import csv_text, csv_when_ready, start_export

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


def refuse_suppressed(ctx: Context, address: str, location: tuple[str, ...]) -> None:
    """Refuse a send to an address the tenant suppresses."""
    if is_suppressed(ctx.tenant, address):
        raise ctx.refuse(f"{address} is suppressed; it receives no email", location)


def create_suppressed_email(ctx: Context) -> Reply:
    """Suppress an address or a wildcard; each is held once."""
    body = ctx.fields()
    entry = normal(str(body["email"]))
    if not _FORMS.match(entry):
        raise ctx.refuse(f"{body['email']!r} is neither an address nor a wildcard such as "
                         "*@domain.com or john@*", ("body", "email"))
    if ctx.tenant.collections["suppressed_email"].get(entry) is not None:
        raise ctx.refuse(f"{entry} is already suppressed", ("body", "email"))
    record = ctx.insert("suppressed_email", ctx.new("suppressed_email", {"email": entry}))
    return ctx.respond(record, 201)


def create_suppressed_export(ctx: Context) -> Reply:
    """Start exporting the suppressed addresses: a task that is ready on the clock."""
    description = str(ctx.query.get("description") or "Suppressed emails")
    record = start_export(ctx, "suppressedemailsexport", "suppressed_emails_export",
                          description, {}, ("id", "type", "description", "payload", "progress",
                                            "expires_on", "requested_by"))
    return ctx.respond(record, 201)


def suppressed_csv(move: Move) -> str:
    """The CSV of the addresses suppressed now."""
    entries = move.tenant.collections["suppressed_email"].records.values()
    return csv_text(["email", "source", "created_on"], (
        [e.get("email"), e.get("source"), e.get("created_on")] for e in entries))


HOOKS = Hooks.of(create_suppressed_email, create_suppressed_export,
                 moves={"suppressed_emails_export": [csv_when_ready(suppressed_csv)]})
