"""Users of an account: create (pending until confirmed with the code the sandbox records,
or active with `skip_verification`), `self`, delete, and the password flows, whose reset
tokens the sandbox issues and checks (see `issued`).

A user with a password is a credential the provider knows (`ctx.credentials`): logging in
with that address and password acts as the account that holds the user; another password is
refused. An address belongs to the first account that registered it."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Hooks, Record, Reply, Tenant, not_found
from mailtwin.providers.especial import issued
from mailtwin.providers.especial.common import answer

CONFIRM = "user_confirm"
RESET = "password_reset"
DIGEST = 16  # hex digits of a credential's tenant name (see mailtwin.credentials)


def login_of(tenant_name: str) -> str:
    """The login name a tenant was opened with, where its name tells
    (`owner@x.com:<16 hex digits>#1002` -> `owner@x.com`)."""
    base = tenant_name.split("#", 1)[0]
    user, sep, digest = base.rpartition(":")
    return (user if sep and len(digest) == DIGEST else base).lower()


def by_email(tenant: Tenant, email: str) -> Record | None:
    """The user with this address (any case), or None."""
    wanted = email.lower()
    for record in tenant.collections["user"].records.values():
        if str(record.get("email", "")).lower() == wanted:
            return record
    return None


def current_user(ctx: Context) -> Record:
    """The user who logged in: the one whose address obtained the token, else the one whose
    address is the login the tenant was opened with, else the first user."""
    grant = ctx.grant()
    found = by_email(ctx.tenant, grant.subject) if grant is not None and grant.subject else None
    found = found or by_email(ctx.tenant, login_of(ctx.tenant_name))
    if found is None:
        found = next(iter(ctx.tenant.collections["user"].records.values()), None)
    if found is None:
        raise not_found("User", "self")
    return found


def _passwords(tenant: Tenant) -> dict[Any, str]:
    held: dict[Any, str] = tenant.extra.setdefault("passwords", {})
    return held


def _set_password(ctx: Context, tenant_name: str, tenant: Tenant, record: Record,
                  password: str) -> None:
    """Keep a user's password, and know the user as a credential of its account."""
    _passwords(tenant)[record["id"]] = password
    ctx.credentials.register(str(record["email"]).lower(), password, tenant_name)


def _drop_password(ctx: Context, record: Record) -> None:
    _passwords(ctx.tenant).pop(record["id"], None)
    ctx.credentials.unregister(str(record.get("email", "")).lower(), ctx.tenant_name)


def create_user(ctx: Context) -> Reply:
    """A new user; its address must not be another user's."""
    body = ctx.fields()
    if by_email(ctx.tenant, str(body["email"])) is not None:
        raise ctx.refuse(f"a user with the address {body['email']} already exists",
                         ("body", "email"))
    password = body.pop("password", None)
    body.pop("password_strength_requirement", None)
    status = "active" if ctx.query.get("skip_verification") else "pending"
    record = ctx.create("user", {**body, "status": status})
    if password:
        _set_password(ctx, ctx.tenant_name, ctx.tenant, record, str(password))
    if status == "pending":
        issued.issue(ctx, CONFIRM, ctx.tenant_name, record["id"])
    return ctx.respond(record, 201)


def show_self_user(ctx: Context) -> Reply:
    """The user who logged in."""
    return Reply(200, {"data": ctx.render(current_user(ctx), "user")})


def delete_user(ctx: Context) -> Reply:
    """Remove a user other than the one logged in."""
    record = ctx.require("user")
    if record["id"] == current_user(ctx)["id"]:
        raise ctx.refuse(f"user {record['id']} is the user logged in; it cannot delete itself",
                         ("path", "user_id"))
    _drop_password(ctx, record)
    return ctx.proceed()


def confirm_user(ctx: Context) -> Reply:
    """Confirm a pending user with the code issued when it was created, and set its password."""
    tenant_name, tenant, record = issued.confirm(ctx, CONFIRM, "user")
    _set_password(ctx, tenant_name, tenant, record, str(ctx.body["password"]))
    return answer(ctx, "user", record, "confirmed")


def resend_user_verification(ctx: Context) -> Reply:
    """Issue a new confirmation code to a pending user (the previous one stops working)."""
    record = ctx.require("user")
    ctx.plan(record, "resend_verification_email", "user")
    issued.issue(ctx, CONFIRM, ctx.tenant_name, record["id"])
    return Reply(200, {"object": "user", "confirmation_resent": True})


def forgot_password(ctx: Context) -> Reply:
    """Issue a reset token to the user with this address (the answer is the same without one)."""
    email = str(ctx.body["email"])
    known = ctx.credentials.user(email.lower())
    opened = [name for name, _ in ctx.tenants()]
    names = [*([known["tenant"]] if known else []),
             *(name for name in opened if login_of(name) == email.lower()), *opened]
    for name in names:
        tenant = ctx.peek_tenant(name)
        record = by_email(tenant, email) if tenant is not None else None
        if record is not None:
            issued.issue(ctx, RESET, name, record["id"])
            break
    return Reply(200, {"email": email, "object": "user", "reset_link_sent": True})


def reset_password(ctx: Context) -> Reply:
    """Issue a reset token to a user, or to the user logged in (`self`); for a user named by
    id, `invalidate_current_password` drops the current one."""
    if "user_id" not in ctx.path:
        record = current_user(ctx)
    else:
        record = ctx.require("user")
        ctx.plan(record, "reset_password", "user")
        if ctx.fields().get("invalidate_current_password"):
            _drop_password(ctx, record)
    issued.issue(ctx, RESET, ctx.tenant_name, record["id"])
    return Reply(200, {"email": record.get("email"), "object": "user", "reset_link_sent": True})


def confirm_password_reset(ctx: Context) -> Reply:
    """Set a new password with a reset token; the token can be used once."""
    body = ctx.fields()
    password = str(body["password"])
    if len(password) < 8:
        raise ctx.refuse("the password must hold at least 8 characters", ("body", "password"))
    tenant_name, tenant, record = issued.held_record(ctx, RESET, str(body["token"]), "user",
                                                     ("body", "token"))
    _set_password(ctx, tenant_name, tenant, record, password)
    issued.redeem(ctx, RESET, str(body["token"]))
    return Reply(200, {"object": "user", "password_reset": True})


HOOKS = Hooks.of(create_user, show_self_user, delete_user, confirm_user, resend_user_verification,
                 forgot_password, reset_password, confirm_password_reset)
