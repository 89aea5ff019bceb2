"""Outreach hooks: the OAuth token endpoint (the tokens themselves are the `oauth2`
convention's), the API root, mailing creation, the message a mailing sends when it starts
delivering (`mail.py`) and the template counters that follow the mailings using a template
(`counters.py`).

The client's `client_id` and `client_secret` are checked as the provider's credentials: a
known client's secret must match (else `invalid_client`); in open mode an unknown pair is the
tenant of both together, and a refresh token the sandbox never issued (one a tool obtained
from the real provider) a grant for that tenant; in strict mode both are refused.
"""

from __future__ import annotations

from typing import Any

from mailtwin.hooks import (
    Context,
    CredentialError,
    Hooks,
    Move,
    Reply,
    TokenStore,
)
from mailtwin.providers.outreach.counters import MOVE_COUNTERS, bump
from mailtwin.providers.outreach.mail import on_mailing_message, send_mailing

GRANTS = ("authorization_code", "refresh_token", "client_credentials")


def _oauth_error(code: str, description: str, status: int = 400) -> Reply:
    return Reply(status, {"error": code, "error_description": description},
                 media_type="application/json")


def _client(ctx: Context, form: dict[str, Any]) -> tuple[str, str] | Reply:
    """The tenant the form's client credentials act as and the scope it asks for, or the
    `invalid_client` refusal."""
    client_id = str(form.get("client_id") or "default")
    try:
        tenant = ctx.credentials.tenant_for(client_id, str(form.get("client_secret") or ""))
    except CredentialError as error:
        return _oauth_error("invalid_client", f"client authentication failed: {error.message}",
                            401)
    return tenant, str(form.get("scope") or "")


def _refreshed(ctx: Context, tokens: TokenStore, form: dict[str, Any], now: float
               ) -> tuple[str, str] | Reply:
    """The tenant and scope a presented refresh token grants, or the OAuth error refusing
    it; one this server never issued is, in open mode, a grant for the client's tenant."""
    presented = str(form.get("refresh_token") or "")
    if not presented:
        return _oauth_error("invalid_request", "refresh_token is required for refresh_token")
    client = _client(ctx, form)
    if isinstance(client, Reply):
        return client
    issued = tokens.find(presented)
    if issued is None:
        if ctx.credentials.strict:
            return _oauth_error("invalid_grant", "the refresh token is not valid")
        return client
    if issued.kind != "refresh":
        return _oauth_error("invalid_grant", "the token is not a refresh token")
    if not issued.live(now):
        return _oauth_error("invalid_grant", "the refresh token expired")
    return issued.tenant, issued.scope


def token(ctx: Context) -> Reply:
    """`POST /oauth/token`: a new access and refresh token pair for the grant's tenant; the
    refresh token presented stays usable until it expires."""
    form = ctx.body if isinstance(ctx.body, dict) else {}
    grant_type = form.get("grant_type")
    if grant_type not in GRANTS:
        return _oauth_error("unsupported_grant_type",
                            f"grant_type must be one of {', '.join(GRANTS)}")
    if grant_type == "authorization_code" and not form.get("code"):
        return _oauth_error("invalid_request", "code is required for authorization_code")
    tokens = ctx.tokens
    now = ctx.clock.timestamp()
    granted = (_refreshed(ctx, tokens, form, now) if grant_type == "refresh_token"
               else _client(ctx, form))
    if isinstance(granted, Reply):
        return granted
    tenant, scope = granted
    access, refresh, seconds = tokens.issue(tenant, now, scope)
    return Reply(200, {"access_token": access, "token_type": "bearer",
                       "expires_in": seconds, "refresh_token": refresh,
                       "scope": scope, "created_at": int(now)},
                 media_type="application/json")


def create_mailing(ctx: Context) -> Reply:
    """A drafted mailing, or a scheduled one when it has a scheduledAt."""
    fields, _location = ctx.unwrap()
    fields["state"] = "scheduled" if fields.get("scheduledAt") else "drafted"
    fields["stateChangedAt"] = ctx.stamp()
    record = ctx.create(None, fields)
    bump(ctx.tenant, record.get("template"), MOVE_COUNTERS.get(record["state"]), ctx.now)
    return ctx.respond(record, 201)


def api_root(ctx: Context) -> Reply:
    """The collections the spec lists under the root, as links, and the version the root
    names; answered only to a token the API accepts, as every call is."""
    root = ctx.op.spec.path.rstrip("/")
    links = {}
    for op in ctx.provider.spec.operations:
        rest = op.path[len(root) + 1:] if op.path.startswith(root + "/") else ""
        if op.method == "GET" and rest and "/" not in rest and "{" not in rest:
            links[rest] = ctx.url(ctx.provider.mount + op.path)
    return Reply(200, {"links": links, "meta": {"version": root.rsplit("/", 1)[-1]}})


def on_mailing_move(move: Move) -> None:
    """Template counters follow the mailings that use the template; a mailing that starts
    delivering sends its message (a sample one caught delivering, when it is delivered), and
    its template notes when it was last used."""
    sends = move.target == "delivering" or (
        move.target == "delivered" and move.source == "delivering"
        and move.record.get("messageId") is None)
    if sends:
        send_mailing(move)
    state = move.record["state"]  # a mailing with nothing to send failed at once
    if state in MOVE_COUNTERS:
        bump(move.tenant, move.record.get("template"), MOVE_COUNTERS[state], move.moment)
    elif sends:
        bump(move.tenant, move.record.get("template"), None, move.moment)


HOOKS = Hooks.of(token, api_root, create_mailing, moves={"mailing": [on_mailing_move]},
                 messages={"mailing": [on_mailing_message]})
