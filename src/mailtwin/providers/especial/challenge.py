"""Multi-factor challenges of the password grant.

A user with an active MFA method (see `mfa`) who asks `POST /token` for a password grant gets
`401 {"detail": [...], "challenge": "<id>"}` instead of tokens; `POST /token/challenge` with
that id and a code then issues the token pair. The user is the one `users/self` answers for
the login's account: the user whose address is the username, else the account's first user.

Codes a challenge accepts, both discoverable by a test:
- the six-digit TOTP code of any of the user's active methods at the sandbox clock's time
  (`mfa.totp(secret, now)`, RFC 6238, 30 s steps, one step of drift either way), where the
  secret is the one `POST /users/self/mfa` answered;
- one of the user's recovery codes (`GET /users/self/mfa-recovery-codes`), used up once taken.

A challenge is used once and lapses `LIFETIME` seconds after it was issued (sandbox clock);
a wrong code leaves it open. Challenges are kept in the provider's shared state under
`challenges`, at most `LIMIT` of them: lapsed ones are dropped when a new one is issued, and
past the limit the oldest.
"""

from __future__ import annotations

import secrets
from typing import Any

from mailtwin.errors import ApiError, Problem
from mailtwin.hooks import Context, Reply
from mailtwin.providers.especial.common import keep_bounded
from mailtwin.providers.especial.mfa import totp_matches
from mailtwin.providers.especial.users import by_email
from mailtwin.store import Record, Tenant

LIFETIME = 300
LIMIT = 10_000


def _challenges(ctx: Context) -> dict[str, dict[str, Any]]:
    shared = ctx.shared
    held: dict[str, dict[str, Any]] = shared.setdefault("challenges", {})
    return held


def _unauthorized(message: str, location: tuple[str, ...]) -> ApiError:
    return ApiError(401, [Problem(location, message, "unauthorized")],
                    headers={"www-authenticate": "Bearer"})


def login_user(tenant: Tenant, login: str) -> Record | None:
    """The user a login names in its home account (the first one for a login that names
    none, as the account opened by unknown credentials has)."""
    found = by_email(tenant, login)
    return found or next(iter(tenant.collections["user"].records.values()), None)


def _active_secrets(tenant: Tenant, user: Record) -> list[str]:
    return [str(m["secret"]) for m in tenant.collections["mfa_method"].records.values()
            if m.get("active") and str(m.get("user_id")) == str(user["id"])]


def challenge_for(ctx: Context, login: str, home: str, tenant_name: str, seconds: int
                  ) -> Reply | None:
    """The 401 challenge answer when the login's user (in the account `home`, which holds
    the users) has an active MFA method, else None."""
    tenant = ctx.tenant_of(home)
    user = login_user(tenant, login)
    if user is None or not _active_secrets(tenant, user):
        return None
    ident, now = secrets.token_urlsafe(24), ctx.clock.timestamp()
    keep_bounded(_challenges(ctx), ident, {
        "login": login, "home": home, "user_id": user["id"], "tenant": tenant_name,
        "seconds": seconds, "expires": now + LIFETIME}, LIMIT, lambda held: held["expires"] <= now)
    ctx.announce(user, "mfa_challenge", "user", tenant=home)
    return Reply(401, {"detail": [{"msg": "multi-factor authentication required: send the "
                                          "challenge and a code to /token/challenge",
                                   "type": "unauthorized"}],
                       "challenge": ident}, headers={"www-authenticate": "Bearer"})


def _code_matches(ctx: Context, tenant: Tenant, user: Record, code: str) -> bool:
    """A current TOTP code of an active method, or a recovery code (used up)."""
    if any(totp_matches(secret, code, ctx.now.timestamp())
           for secret in _active_secrets(tenant, user)):
        return True
    recovery: list[str] = tenant.extra.get("recovery_codes", {}).get(user["id"], [])
    if code.lower() in recovery:
        recovery.remove(code.lower())
        return True
    return False


def redeem(ctx: Context, ident: str, code: str) -> tuple[str, int, str, str]:
    """The tenant, token lifetime, login and home account of a challenge its code
    completes; the challenge is used up. 401 for an unknown or lapsed challenge or a wrong
    code."""
    challenges = _challenges(ctx)
    held = challenges.get(ident)
    if held is None or held["expires"] <= ctx.clock.timestamp():
        challenges.pop(ident, None)
        raise _unauthorized("the challenge is unknown, used or expired; ask /token for a new "
                            "one", ("body", "challenge"))
    home = str(held.get("home") or held["login"])
    tenant = ctx.tenant_of(home)
    user = tenant.collections["user"].records.get(held["user_id"])
    if user is None or not _active_secrets(tenant, user):
        del challenges[ident]
        raise _unauthorized("the user no longer has an active MFA method; ask /token again",
                            ("body", "challenge"))
    if not _code_matches(ctx, tenant, user, code):
        raise _unauthorized("the code matches neither the authenticator's current code nor "
                            "an unused recovery code", ("body", "code"))
    del challenges[ident]
    ctx.announce(user, "mfa_challenge_completed", "user", tenant=home)
    return str(held["tenant"]), int(held["seconds"]), str(held["login"]), home
