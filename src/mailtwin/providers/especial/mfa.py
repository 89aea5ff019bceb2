"""Two-factor authentication of the user logged in: a TOTP method is created with a secret,
activated with a six-digit code computed from that secret at the sandbox clock's time
(RFC 6238, 30 s steps, one step of drift allowed), and then gives recovery codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.providers.especial.users import current_user

STEP = 30
PORTAL = "https://account.especial.example/mfa"
URL_LIMIT = 2083  # the longest address the published schema allows


def totp(secret: str, moment: float) -> str:
    """The six-digit code of a base32 secret at a moment."""
    key = base64.b32decode(secret)
    digest = hmac.new(key, struct.pack(">Q", int(moment // STEP)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def totp_matches(secret: str, code: str, moment: float) -> bool:
    """Whether a code is the secret's at a moment, one step of drift allowed either way."""
    return code in {totp(secret, moment + drift) for drift in (-STEP, 0, STEP)}


def create_mfa(ctx: Context) -> Reply:
    """A new, inactive TOTP method with its secret and provisioning URI."""
    user = current_user(ctx)
    body = ctx.fields()
    secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    label = quote(f"Especial:{user.get('email')}")
    record = ctx.create("mfa_method", {
        "type": body["type"], "description": body.get("description") or "", "secret": secret,
        "qr_code": f"otpauth://totp/{label}?secret={secret}&issuer=Especial",
        "active": False, "user_id": user["id"]})
    return Reply(201, {"id": record["id"], "object": "mfa", "created": True,
                       "data": {k: record[k] for k in ("id", "type", "description", "qr_code",
                                                       "secret")}})


def activate_mfa(ctx: Context) -> Reply:
    """Activate a method with the code its authenticator shows now."""
    record = ctx.require("mfa_method")
    if record.get("active"):
        raise ctx.refuse(f"MFA method {record['id']} is already active", ("path", "mfa_id"))
    if not totp_matches(str(record["secret"]), str(ctx.body["code"]), ctx.now.timestamp()):
        raise ctx.refuse("the code does not match the authenticator's current code",
                         ("body", "code"))
    record = ctx.apply("mfa_method", record, {"active": True})
    ctx.announce(record, "activate", "mfa_method")
    codes = ctx.tenant.extra.setdefault("recovery_codes", {})
    codes.setdefault(record["user_id"], [secrets.token_hex(6) for _ in range(10)])
    return Reply(200, {"id": record["id"], "object": "mfa", "activated": True})


def recovery_codes(ctx: Context) -> Reply:
    """The recovery codes of the user logged in, once a method is active."""
    user = current_user(ctx)
    codes = ctx.tenant.extra.get("recovery_codes", {}).get(user["id"])
    if not codes:
        raise ctx.refuse("activate an MFA method first; recovery codes come with it", ("path",))
    ctx.announce(user, "view_recovery_codes", "user")
    return Reply(200, {"data": list(codes)})


def mfa_portal(ctx: Context) -> Reply:
    """The address of the provider's page for managing MFA (a sandbox stand-in)."""
    back = ctx.query.get("return_url")
    url = PORTAL + (f"?return_url={quote(str(back), safe='')}" if back else "")
    if len(url) > URL_LIMIT:
        # A return address too long to carry stays with the portal session the link names.
        url = f"{PORTAL}?session={hashlib.sha256(str(back).encode()).hexdigest()[:32]}"
    return Reply(200, {"url": url})


HOOKS = Hooks.of(create_mfa, activate_mfa, recovery_codes, mfa_portal)
