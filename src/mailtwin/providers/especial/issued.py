"""Codes the sandbox issues in place of emailed links (user, account and sender
confirmations, password resets).

Codes live in the provider's shared state under `codes` (visible in the control plane's
state dump), keyed by purpose and code, each naming its tenant and record.
"""

from __future__ import annotations

import secrets
from typing import Any

from mailtwin.hooks import Context
from mailtwin.store import Record, Tenant


def _codes(ctx: Context, purpose: str) -> dict[str, dict[str, Any]]:
    by_purpose: dict[str, dict[str, dict[str, Any]]] = ctx.shared.setdefault("codes", {})
    return by_purpose.setdefault(purpose, {})


def issue(ctx: Context, purpose: str, tenant_name: str, ident: Any) -> str:
    """A new code for a record; earlier codes of the same record and purpose stop working."""
    forget(ctx, purpose, tenant_name, ident)
    codes = _codes(ctx, purpose)
    code = secrets.token_hex(12)
    codes[code] = {"tenant": tenant_name, "id": ident}
    return code


def holder(ctx: Context, purpose: str, code: str) -> dict[str, Any] | None:
    """The tenant and record a code was issued for, or None (looking changes nothing)."""
    found: dict[str, Any] | None = ctx.shared.get("codes", {}).get(purpose, {}).get(code)
    return found


def held_record(ctx: Context, purpose: str, code: str, resource: str, where: tuple[str, ...],
                what: str = "code") -> tuple[str, Tenant, Record]:
    """The tenant (name and state) and record a code was issued for, or a 400 at `where`."""
    held = holder(ctx, purpose, code)
    tenant = ctx.peek_tenant(held["tenant"]) if held else None
    record = tenant.collections[resource].get(held["id"]) if tenant and held else None
    if held is None or tenant is None or record is None:
        raise ctx.refuse(f"the {what} is not valid (unknown, used or replaced)", where)
    return str(held["tenant"]), tenant, record


def confirm(ctx: Context, purpose: str, resource: str, what: str = "code"
            ) -> tuple[str, Tenant, Record]:
    """Confirm the record the body's `confirmation` code names, which must be the one the
    path's `<resource>_id` names, by its `confirm` action (in the tenant holding it); the code
    is used up. Its tenant (name and state) and record."""
    code, where, ident = str(ctx.body["confirmation"]), ("body", "confirmation"), \
        ctx.path[f"{resource}_id"]
    tenant_name, tenant, record = held_record(ctx, purpose, code, resource, where, what)
    if str(record["id"]) != str(ident):
        raise ctx.refuse(f"the confirmation code is not one of {resource} {ident}", where)
    ctx.move(record, "confirm", resource, tenant=tenant_name)
    redeem(ctx, purpose, code)
    return tenant_name, tenant, record


def forget(ctx: Context, purpose: str, tenant_name: str, ident: Any) -> None:
    """Use up every code of a record and purpose."""
    codes = _codes(ctx, purpose)
    for code in [c for c, held in codes.items()
                 if held["tenant"] == tenant_name and held["id"] == ident]:
        del codes[code]


def redeem(ctx: Context, purpose: str, code: str) -> None:
    """Use a code up."""
    ctx.shared.get("codes", {}).get(purpose, {}).pop(code, None)
