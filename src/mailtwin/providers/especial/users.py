"""Users of an account: create (pending until confirmed with the code the sandbox records,
or active with `skip_verification`), `self`, delete, and the password flows, whose reset
tokens the sandbox issues and checks (see `issued`)."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Hooks, Record, Reply, Tenant, not_found
from mailtwin.providers.especial import issued

CONFIRM = "user_confirm"
RESET = "password_reset"


def login_of(tenant_name: str) -> str:
    """The login name a tenant was opened with (`owner@x.com#1002` -> `owner@x.com`)."""
    return tenant_name.split("#", 1)[0].lower()


def by_email(tenant: Tenant, email: str) -> Record | None:
    """The user with this address (any case), or None."""
    wanted = email.lower()
    for record in tenant.collections["user"].records.values():
        if str(record.get("email", "")).lower() == wanted:
            return record
    return None


def current_user(ctx: Context) -> Record:
    """The user who logged in: the one whose address is the login, else the first user."""
    found = by_email(ctx.tenant, login_of(ctx.tenant_name))
    if found is None:
        found = next(iter(ctx.tenant.collections["user"].records.values()), None)
    if found is None:
        raise not_found("User", "self")
    return found


def _passwords(tenant: Tenant) -> dict[Any, str]:
    held: dict[Any, str] = tenant.extra.setdefault("passwords", {})
    return held


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
        _passwords(ctx.tenant)[record["id"]] = str(password)
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
    _passwords(ctx.tenant).pop(record["id"], None)
    return ctx.proceed()


def confirm_user(ctx: Context) -> Reply:
    """Confirm a pending user with the code issued when it was created, and set its password."""
    body = ctx.fields()
    tenant_name, tenant, record = issued.held_record(ctx, CONFIRM, str(body["confirmation"]),
                                                     "user", ("body", "confirmation"))
    if str(record["id"]) != str(ctx.path["user_id"]):
        raise ctx.refuse(f"the confirmation code is not one of user {ctx.path['user_id']}",
                         ("body", "confirmation"))
    ctx.move(record, "confirm", "user", tenant=tenant_name)
    _passwords(tenant)[record["id"]] = str(body["password"])
    issued.redeem(ctx, CONFIRM, str(body["confirmation"]))
    return Reply(200, {"id": record["id"], "object": "user", "confirmed": True,
                       "data": ctx.render(record, "user")})


def resend_user_verification(ctx: Context) -> Reply:
    """Issue a new confirmation code to a pending user (the previous one stops working)."""
    record = ctx.require("user")
    ctx.plan(record, "resend_verification_email", "user")
    issued.issue(ctx, CONFIRM, ctx.tenant_name, record["id"])
    return Reply(200, {"object": "user", "confirmation_resent": True})


def _reset_sent(ctx: Context, tenant_name: str, record: Record) -> Reply:
    issued.issue(ctx, RESET, tenant_name, record["id"])
    return Reply(200, {"email": record.get("email"), "object": "user", "reset_link_sent": True})


def forgot_password(ctx: Context) -> Reply:
    """Issue a reset token to the user with this address (the answer is the same without one)."""
    email = str(ctx.body["email"])
    names = [login_of(email), *(name for name, _ in ctx.tenants())]
    for name in names:
        tenant = ctx.peek_tenant(name)
        record = by_email(tenant, email) if tenant is not None else None
        if record is not None:
            issued.issue(ctx, RESET, name, record["id"])
            break
    return Reply(200, {"email": email, "object": "user", "reset_link_sent": True})


def reset_own_password(ctx: Context) -> Reply:
    """Issue a reset token to the user logged in."""
    return _reset_sent(ctx, ctx.tenant_name, current_user(ctx))


def reset_user_password(ctx: Context) -> Reply:
    """Issue a reset token to a user; `invalidate_current_password` drops the current one."""
    record = ctx.require("user")
    ctx.plan(record, "reset_password", "user")
    if ctx.fields().get("invalidate_current_password"):
        _passwords(ctx.tenant).pop(record["id"], None)
    return _reset_sent(ctx, ctx.tenant_name, record)


def confirm_password_reset(ctx: Context) -> Reply:
    """Set a new password with a reset token; the token can be used once."""
    body = ctx.fields()
    password = str(body["password"])
    if len(password) < 8:
        raise ctx.refuse("the password must hold at least 8 characters", ("body", "password"))
    _, tenant, record = issued.held_record(ctx, RESET, str(body["token"]), "user",
                                           ("body", "token"))
    _passwords(tenant)[record["id"]] = password
    issued.redeem(ctx, RESET, str(body["token"]))
    return Reply(200, {"object": "user", "password_reset": True})


HOOKS = Hooks.of(create_user, show_self_user, delete_user, confirm_user, resend_user_verification,
                 forgot_password, reset_own_password, reset_user_password, confirm_password_reset)
