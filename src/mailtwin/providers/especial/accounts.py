"""The caller's account and its sub-accounts: a sub-account is stored with the caller's
account as its parent (so `?account_id=` reaches it), starts pending unless
`skip_verification`, is confirmed with the code the sandbox records, and takes its state
with it when deleted. Suspending, unsuspending and converting are lifecycle moves."""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import Context, Hooks, Record, Reply, Tenant, not_found
from mailtwin.providers.especial import issued
from mailtwin.providers.especial.auth import SUB_ACCOUNT, root_account, sub_account
from mailtwin.providers.especial.common import in_window, rate
from mailtwin.providers.especial.reports import counts, rates
from mailtwin.providers.especial.users import by_email

CONFIRM = "account_confirm"
OWNER_FIELDS = ("first_name", "last_name", "title", "office_phone", "mobile_phone",
                "language", "timezone")


def home(ctx: Context) -> tuple[str, Tenant]:
    """The tenant that holds the caller's account record (the parent's, for a sub-account)."""
    base = ctx.tenant_name.split(SUB_ACCOUNT, 1)[0]
    if base == ctx.tenant_name:
        return base, ctx.tenant
    return base, ctx.tenant_of(base)


def _first_user(tenant: Tenant) -> str | None:
    """The id of an account's first user, the owner an account without one shows."""
    users = tenant.collections["user"].records
    return str(next(iter(users))) if users else None


def own_account(ctx: Context) -> Record:
    """The account the request acts as."""
    base, tenant = home(ctx)
    if base == ctx.tenant_name:
        record = root_account(tenant)
    else:
        record = tenant.collections["account"].get(ctx.tenant_name.split(SUB_ACCOUNT, 1)[1])
    if record is None:
        raise not_found("Account", "self")
    return record


def _check_owner(ctx: Context, body: Record, tenant: Tenant | None = None) -> None:
    owner = body.get("account_owner")
    users = (tenant or ctx.tenant).collections["user"]
    if isinstance(owner, dict) and "user_id" in owner \
            and users.get(str(owner["user_id"])) is None:
        raise ctx.refuse(f"user {owner['user_id']} does not exist",
                         ("body", "account_owner", "user_id"))


def show_own_account(ctx: Context) -> Reply:
    """The account the request acts as."""
    return Reply(200, {"data": ctx.render(own_account(ctx), "account")})


def update_own_account(ctx: Context) -> Reply:
    """Edit the account the request acts as; a new owner must be one of its users."""
    record = own_account(ctx)
    body = ctx.fields()
    _check_owner(ctx, body)
    if isinstance(body.get("account_owner"), dict):
        body["account_owner"] = {"user_id": str(body["account_owner"]["user_id"])}
    _, tenant = home(ctx)
    tenant.collections["account"].update(record["id"], body)
    return Reply(200, {"data": ctx.render(record, "account"), "warnings": []})


def convert_own_account(ctx: Context) -> Reply:
    """Turn the account the request acts as into an organization (in the tenant holding
    its record)."""
    record = ctx.move(own_account(ctx), "convert_to_organization", "account",
                      tenant=home(ctx)[0])
    return Reply(200, {"data": ctx.render(record, "account")})


def create_account(ctx: Context) -> Reply:
    """A sub-account of the caller's account, with its owner user."""
    if SUB_ACCOUNT in ctx.tenant_name:
        raise ctx.refuse("a sub-account cannot own sub-accounts; act as the main account",
                         ("query", "account_id"))
    parent = own_account(ctx)
    body = ctx.fields()
    owner = dict(body.pop("account_owner", None) or {})
    status = "active" if ctx.query.get("skip_verification") else "pending"
    record = ctx.new("account", {
        **body, "status": status, "parent_account_id": parent["id"],
        "lineage": f"{parent.get('lineage') or parent['id']}/{{id}}",
        "created_on": ctx.stamp(), "last_activity_on": ctx.stamp()})
    record["lineage"] = str(record["lineage"]).replace("{id}", record["id"])
    email = owner.get("email")
    if email:
        sub = ctx.tenant_of(f"{ctx.tenant_name}{SUB_ACCOUNT}{record['id']}")
        user = _owner_user(ctx, sub, owner)
        record["account_owner"] = {"user_id": user["id"]}
        record["owner_email"] = user["email"]
    elif _first_user(ctx.tenant) is not None:
        # The sub-account's own state starts as the caller's fixtures do: the same first user.
        record["account_owner"] = {"user_id": _first_user(ctx.tenant)}
    ctx.insert("account", record)
    if status == "pending":
        issued.issue(ctx, CONFIRM, ctx.tenant_name, record["id"])
    return Reply(201, {"id": record["id"], "object": "account", "email": email,
                       "created": True, "data": ctx.render(record, "account")})


def _owner_user(ctx: Context, tenant: Tenant, owner: dict[str, Any]) -> Record:
    """The owner user of a new sub-account, in the sub-account's own state."""
    found = by_email(tenant, str(owner["email"]))
    if found is not None:
        return found
    record: Record = {name: owner.get(name) for name in OWNER_FIELDS if name in owner}
    record.update({"id": ctx.resource("user").next_ident(tenant), "email": owner["email"],
                   "status": "active", "created_on": ctx.stamp()})
    tenant.collections["user"].insert(record)
    return record


def _sub_account(ctx: Context) -> Record:
    """The sub-account a path names: one of the caller's, never the caller's own account."""
    record = ctx.require("account")
    if record["id"] == own_account(ctx)["id"]:
        raise ctx.refuse(f"account {record['id']} is the account the request acts as; use "
                         "/accounts/self", ("path", "account_id"))
    return record


def update_sub_account(ctx: Context) -> Reply:
    """Edit a sub-account; a new owner must be one of the sub-account's users."""
    record = ctx.require("account")
    base, _ = home(ctx)
    users = ctx.tenant_of(f"{base}{SUB_ACCOUNT}{record['id']}")
    if isinstance(ctx.body, dict):
        _check_owner(ctx, ctx.body, users)
        if isinstance(ctx.body.get("account_owner"), dict):
            ctx.body["account_owner"] = {"user_id": str(ctx.body["account_owner"]["user_id"])}
    return ctx.proceed()


def delete_sub_account(ctx: Context) -> Reply:
    """Remove a sub-account and everything its state holds."""
    record = _sub_account(ctx)
    ctx.delete("account", record)
    ctx.drop_tenant(f"{ctx.tenant_name}{SUB_ACCOUNT}{record['id']}")
    return Reply(200, {"id": record["id"], "object": "account", "deleted": True})


def move_sub_account(ctx: Context) -> Reply:
    """Suspend, unsuspend or convert a sub-account."""
    _sub_account(ctx)
    return ctx.proceed()


def confirm_account(ctx: Context) -> Reply:
    """Confirm a pending sub-account with the code recorded when it was created."""
    _, _, record = issued.confirm(ctx, CONFIRM, "account", "confirmation code")
    return Reply(200, {"id": record["id"], "object": "account",
                       "email": record.get("owner_email"), "metadata": "",
                       "data": ctx.render(record, "account"), "confirmed": True})


def resend_account_verification(ctx: Context) -> Reply:
    """Issue a new confirmation code to the pending sub-account an owner address names."""
    email = str(ctx.body["email"]).lower()
    for name, tenant in ctx.tenants():
        for record in tenant.collections["account"].records.values():
            if str(record.get("owner_email", "")).lower() == email \
                    and record.get("status") == "pending":
                issued.issue(ctx, CONFIRM, name, record["id"])
                return Reply(200, {"object": "account", "verification_resent": True})
    raise ctx.refuse(f"no account awaiting verification belongs to {email}",
                     ("body", "email"))


def _stats(ctx: Context, tenant: Tenant, record: Record) -> dict[str, Any]:
    """Account figures counted from a tenant's contacts, lists, messages and their events."""
    within = in_window(ctx)
    contacts = list(tenant.collections["contact"].records.values())
    active = sum(1 for c in contacts if c.get("status") == "active")
    sends = [m for m in ctx.messages("campaign", tenant=tenant) if within(int(m.created))]
    found = counts(sends, (e for e in ctx.message_events("campaign", tenant=tenant)
                           if within(int(e.message.created))))
    emails = [e for e in tenant.collections["transactional_email"].records.values()
              if within(e.get("submitted_time"))]
    actions = [s for s in tenant.extra.get("action_sends", []) if within(s.get("timestamp"))]
    sent = len(sends) + len(emails) + len(actions)
    shares = rates(found)
    limits = record.get("usage_limits") or {}

    def share(part: int, whole: Any) -> float:
        return rate(part, whole) if isinstance(whole, int) and whole > 0 else 0.0

    return {"active_contacts": active, "sent_emails": sent, "sent_campaign_emails": len(sends),
            "sent_action_emails": len(actions), "sent_email_emails": len(emails),
            "open_rate": shares["open_rate"], "bounce_rate": shares["bounce_rate"],
            "click_rate": shares["click_rate"], "spam_rate": shares["spam_rate"],
            "unsubscribe_rate": shares["unsubscribe_rate"],
            "emails_usage": share(sent, limits.get("per_month")),
            "contacts_usage": share(len(contacts), limits.get("maximum_contacts")),
            "bounces_hard": found["bounces_hard"],
            "bounce_hard_rate": share(found["bounces_hard"], found["sent"]),
            "spams": found["spams"],
            "current_lists": len(tenant.collections["list"]),
            "email_api": {"submitted": len(emails),
                          "delivered": sum(1 for e in emails if e.get("status") == "sent")}}


def own_account_report(ctx: Context) -> Reply:
    """Figures of the account the request acts as."""
    return Reply(200, {"data": _stats(ctx, ctx.tenant, own_account(ctx))})


def account_report(ctx: Context) -> Reply:
    """Figures of the caller's account or of one of its sub-accounts."""
    wanted = str(ctx.path["account_id"])
    base, tenant = home(ctx)
    root = root_account(tenant)
    if root is not None and str(root["id"]) == wanted and base == ctx.tenant_name:
        return Reply(200, {"data": _stats(ctx, ctx.tenant, root)})
    record = sub_account(tenant, wanted)
    if record is None:
        raise not_found("Account", wanted)
    return Reply(200, {"data": _stats(ctx, ctx.tenant_of(f"{base}{SUB_ACCOUNT}{wanted}"), record)})


HOOKS = Hooks.of(update_sub_account, show_own_account,
                 update_own_account, convert_own_account, create_account, delete_sub_account,
                 move_sub_account, confirm_account, resend_account_verification,
                 own_account_report, account_report)
