"""Outreach hooks: OAuth tokens, the tenant a bearer token selects, mailing creation and the
template counters that follow the mailings using a template."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from mailtwin.conventions.auth import bearer_token
from mailtwin.conventions.timestamps import STYLES
from mailtwin.hooks import ApiError, AuthContext, Context, Hooks, Move, Problem, Record, Reply
from mailtwin.store import Tenant

TOKEN_LIFETIME = 7200
GRANTS = ("authorization_code", "refresh_token", "client_credentials")
# Template counter bumped when a mailing using the template enters a state.
COUNTERS = {"scheduled": "scheduleCount", "delivered": "deliverCount", "opened": "openCount",
            "replied": "replyCount", "bounced": "bounceCount", "failed": "failureCount"}
ISO = STYLES["iso8601"]


def _tokens(shared: dict[str, Any]) -> dict[str, dict[str, Any]]:
    tokens: dict[str, dict[str, Any]] = shared.setdefault("tokens", {})
    return tokens


def authenticate(auth: AuthContext) -> str:
    """The tenant of a bearer token: its grant's for tokens issued here (401 once expired),
    the token itself for any other non-empty token."""
    token = bearer_token(auth.headers)
    issued = _tokens(auth.shared).get(token)
    if issued is None:
        return token
    if issued["kind"] != "access" or issued["expires"] <= auth.clock.timestamp():
        raise ApiError(401, [Problem(("header", "authorization"),
                                     "The access token expired or is not an access token",
                                     "unauthorized")], title="Unauthorized",
                       headers={"www-authenticate": 'Bearer error="invalid_token"'})
    return str(issued["tenant"])


def _oauth_error(code: str, description: str, status: int = 400) -> Reply:
    return Reply(status, {"error": code, "error_description": description},
                 media_type="application/json")


def token(ctx: Context) -> Reply:
    """`POST /oauth/token`: a new access and refresh token pair for the grant's tenant."""
    form = ctx.body if isinstance(ctx.body, dict) else {}
    grant = form.get("grant_type")
    if grant not in GRANTS:
        return _oauth_error("unsupported_grant_type",
                            f"grant_type must be one of {', '.join(GRANTS)}")
    tokens = _tokens(ctx.shared)
    tenant = str(form.get("client_id") or "default")
    if grant == "authorization_code" and not form.get("code"):
        return _oauth_error("invalid_request", "code is required for authorization_code")
    if grant == "refresh_token":
        old = tokens.get(str(form.get("refresh_token") or ""))
        if old is None or old["kind"] != "refresh":
            return _oauth_error("invalid_grant", "the refresh token is unknown or was used")
        tenant = str(old["tenant"])
        del tokens[str(form["refresh_token"])]
    now = ctx.clock.timestamp()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    tokens[access] = {"kind": "access", "tenant": tenant, "expires": now + TOKEN_LIFETIME}
    tokens[refresh] = {"kind": "refresh", "tenant": tenant, "expires": None}
    return Reply(200, {"access_token": access, "token_type": "bearer",
                       "expires_in": TOKEN_LIFETIME, "refresh_token": refresh,
                       "scope": str(form.get("scope") or ""), "created_at": int(now)},
                 media_type="application/json")


def _bump(tenant: Tenant, template_id: Any, counter: str | None, moment: datetime) -> None:
    """Count one more mailing on the template, and note when it was last used."""
    templates = tenant.collections["template"]
    template = templates.get(template_id) if template_id is not None else None
    if template is None:
        return
    changes: Record = {"lastUsedAt": ISO.format(moment)}
    if counter is not None:
        changes[counter] = int(template.get(counter) or 0) + 1
    templates.update(template_id, changes)


def create_mailing(ctx: Context) -> Reply:
    """A drafted mailing, or a scheduled one when it has a scheduledAt."""
    fields, _location = ctx.unwrap()
    fields["state"] = "scheduled" if fields.get("scheduledAt") else "drafted"
    fields["stateChangedAt"] = ctx.stamp()
    record = ctx.create(None, fields)
    _bump(ctx.tenant, record.get("template"), COUNTERS.get(record["state"]), ctx.now)
    return ctx.respond(record, 201)


def on_mailing_move(move: Move) -> None:
    """Template counters follow the mailings that use the template."""
    if move.target in COUNTERS:
        _bump(move.tenant, move.record.get("template"), COUNTERS[move.target], move.moment)


HOOKS = Hooks.of(token, create_mailing, authenticate=authenticate,
                 moves={"mailing": [on_mailing_move]})
