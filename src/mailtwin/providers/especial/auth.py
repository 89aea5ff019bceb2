"""Tokens and tenants: `POST /token` issues, refresh trades a refresh token for a new pair
(once), a user with an active MFA method completes a challenge first (see `challenge`), and
every other call's bearer token names its account (`?account_id=` picks a sub-account, never
anything written in the token).

The login is checked against the credentials the provider knows (users created through the
API with a password, those declared or added through the control plane): a known user's
password must match; in open mode an unknown username and password are an account of their
own. The tokens are the `oauth2` convention's: one the sandbox issued maps to the account of
the user who logged in; in open mode any other well-formed token is its own account, created
from the fixtures (so tests need no login).
"""

from __future__ import annotations

import re

from mailtwin.hooks import (
    ApiError,
    AuthContext,
    Context,
    CredentialError,
    Hooks,
    Problem,
    Record,
    Reply,
    Tenant,
)
from mailtwin.providers.especial import challenge
from mailtwin.schema_messages import shown

LIFETIME = 3600
SUB_ACCOUNT = "#"
# A sub-account in these states cannot be acted as (its parent can still unsuspend it).
SUSPENDED = ("suspended", "suspended_by_partner")
# An integer query value as FastAPI reads it: an optional sign, then digits.
INTEGER = re.compile(r"[+-]?[0-9]+")


def _refused(status: int, message: str, location: tuple[str, ...] = ("header",
                                                                       "authorization")
             ) -> ApiError:
    kind = {401: "unauthorized", 403: "forbidden"}.get(status, "bad_request")
    headers = {"www-authenticate": "Bearer"} if status == 401 else {}
    return ApiError(status, [Problem(location, message, kind)], headers=headers)


def root_account(tenant: Tenant) -> Record | None:
    """The account a tenant's users log in to (the one without a parent)."""
    for record in tenant.collections["account"].records.values():
        if record.get("parent_account_id") is None:
            return record
    return None


def sub_accounts(tenant: Tenant) -> list[Record]:
    """The accounts the root account owns."""
    root = root_account(tenant)
    if root is None:
        return []
    return [r for r in tenant.collections["account"].records.values()
            if r.get("parent_account_id") is not None
            and str(r["parent_account_id"]) == str(root["id"])]


def sub_account(tenant: Tenant, ident: object) -> Record | None:
    """The sub-account of the root account with this id, or None."""
    return next((r for r in sub_accounts(tenant) if str(r["id"]) == str(ident)), None)


def _usable(tenant: Tenant, account: str,
            location: tuple[str, ...] = ("query", "account_id")) -> None:
    """A 403 when the sub-account is suspended (its parent can still unsuspend it)."""
    chosen = sub_account(tenant, account)
    if chosen is not None and chosen.get("status") in SUSPENDED:
        raise _refused(403, f"account {account} is {chosen['status']}; unsuspend it to act as "
                       "it", location)


def _acting_as(tenant: Tenant, base: str, account: str, location: tuple[str, ...],
               refusal: str) -> str:
    """The tenant name of acting as one of the user's accounts: its own (`base`) or a usable
    sub-account; a 403 with `refusal` for any other."""
    root = root_account(tenant)
    if root is not None and str(root["id"]) == account:
        return base
    _usable(tenant, account, location)
    if sub_account(tenant, account) is None:
        raise _refused(403, refusal, location)
    return f"{base}{SUB_ACCOUNT}{account}"


def authenticate(auth: AuthContext) -> str:
    """The tenant of a request: its token's account (the `oauth2` convention), or the
    sub-account it asks for."""
    base = auth.scheme()
    if SUB_ACCOUNT in base:
        # A token issued for a sub-account: usable only while the sub-account is.
        parent, _, account = base.partition(SUB_ACCOUNT)
        _usable(auth.tenant_of(parent), account, ("header", "authorization"))
    wanted = auth.param("account_id")
    if not wanted:
        return str(base)
    if not INTEGER.fullmatch(wanted):
        message = f"{shown(wanted)} is not of type \"integer\""
        raise ApiError(422, [Problem(("query", "account_id"), message, "type_error")])
    return _acting_as(auth.tenant_of(base), str(base), wanted, ("query", "account_id"),
                      f"account {wanted} is not this user's account or one of its sub-accounts")


def _grant(ctx: Context, tenant_name: str, seconds: int, login: str) -> Reply:
    access, refresh, _ = ctx.tokens.issue(tenant_name, ctx.clock.timestamp(), lifetime=seconds,
                                          subject=login)
    tenant = ctx.tenant_of(tenant_name)
    root = root_account(tenant)
    accounts = ([int(root["id"])] if root else []) + [int(r["id"]) for r in sub_accounts(tenant)]
    return Reply(200, {"access_token": access, "token_type": "bearer", "expires_in": seconds,
                       "refresh_token": refresh, "accounts": accounts})


def refresh_token(ctx: Context) -> Reply:
    """Refresh grant: the refresh token for a new pair (it can be used once)."""
    token = ctx.fields().get("refresh_token")
    if not token:
        raise _refused(422, "field required", ("body", "refresh_token"))
    grant = ctx.tokens.find(str(token))
    if grant is None or grant.kind != "refresh":
        raise _refused(401, "the refresh token is not valid", ("body", "refresh_token"))
    if not grant.live(ctx.clock.timestamp()):
        raise _refused(401, "the refresh token has expired", ("body", "refresh_token"))
    ctx.tokens.revoke(str(token))  # used once
    return _grant(ctx, grant.tenant, int(grant.lifetime or LIFETIME), grant.subject)


def issue_token(ctx: Context) -> Reply:
    """Password grant (the default) or refresh grant: a new token pair."""
    grant_type = ctx.fields().get("grant_type") or "password"
    if grant_type == "refresh_token":
        return refresh_token(ctx)
    if grant_type != "password":
        raise _refused(422, "grant_type must be password or refresh_token",
                       ("body", "grant_type"))
    username, password = ctx.fields().get("username"), ctx.fields().get("password")
    problems = [Problem(("body", name), "field required", "missing")
                for name, value in (("username", username), ("password", password))
                if not value]
    if problems:
        raise ApiError(422, problems)
    seconds = int(ctx.fields().get("expiration_seconds") or LIFETIME)
    login = str(username).lower()
    known = ctx.credentials
    try:
        # An unknown name holding the sub-account mark would open an account whose name
        # reads as a sub-account of another one.
        if SUB_ACCOUNT in login and known.user(login) is None:
            raise CredentialError("unknown", "no account of its own")
        base = known.tenant_for(login, str(password))
    except CredentialError:
        raise _refused(401, "Incorrect username or password", ("body", "password")) from None
    tenant_name = base
    account = ctx.fields().get("account_id")
    if account is not None:
        tenant_name = _acting_as(ctx.tenant_of(base), base, str(account), ("body", "account_id"),
                                 f"account {account} is not one of this user's accounts")
    pending = challenge.challenge_for(ctx, login, base, tenant_name, seconds)
    if pending is not None:
        return pending
    _logged_in(ctx, base, login)
    return _grant(ctx, tenant_name, seconds, login)


def token_from_challenge(ctx: Context) -> Reply:
    """The token pair of a password grant whose MFA challenge the code completes."""
    body = ctx.fields()
    tenant_name, seconds, login, home = challenge.redeem(ctx, str(body["challenge"]),
                                                         str(body["code"]))
    _logged_in(ctx, home, login)
    return _grant(ctx, tenant_name, seconds, login)


def _logged_in(ctx: Context, home: str, login: str) -> None:
    """A password login that got its tokens (User.LoggedIn), on the user it names."""
    user = challenge.login_user(ctx.tenant_of(home), login)
    if user is not None:
        ctx.announce(user, "login", "user", tenant=home)


HOOKS = Hooks.of(issue_token, refresh_token, token_from_challenge, authenticate=authenticate)
