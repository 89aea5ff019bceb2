"""The default brand: DKIM keys with generated public keys, the sending domains and their
validation (a domain is valid once a DKIM key covers it), and the system emails
configuration (the templates and senders it names are declared references)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from mailtwin.hooks import Context, Hooks, Reply
from mailtwin.store import Record

BRAND = "default"
DOMAIN_KINDS = ("auth", "bounce", "dkim", "tracking")
SYSTEM_EMAILS = ("account_confirm", "user_confirm", "sender_confirm", "password_reset",
                 "contact_double_opt_in")
# Leading bytes of the image kinds a logo may be, and their file extension.
IMAGES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"GIF8": "gif"}
ASSETS = "https://assets.especial.example/logos"


def _brand(ctx: Context) -> Record:
    """The brand record, created empty the first time it is needed."""
    collection = ctx.tenant.collections["brand"]
    record = collection.get(BRAND)
    if record is None:
        record = collection.insert({"id": BRAND, "domains": dict.fromkeys(DOMAIN_KINDS, ""),
                                    "system_emails": {}})
    return record


def _public_key(domain: str, selector: str) -> str:
    """A stable stand-in for a generated public key."""
    digest = hashlib.sha512(f"{selector}._domainkey.{domain}".encode()).digest()
    return "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ" + base64.b64encode(digest * 2).decode()


def create_dkim_key(ctx: Context) -> Reply:
    """A new key for a domain; a domain and selector pair exists once."""
    body = ctx.fields()
    domain = str(body["domain"]).lower()
    selector = str(body.get("selector") or "especial")
    keys = ctx.tenant.collections["dkim_key"].records.values()
    if any(k.get("domain") == domain and k.get("selector") == selector for k in keys):
        raise ctx.refuse(f"a DKIM key for {domain} with the selector {selector} already exists",
                         ("body", "domain"))
    record = ctx.create("dkim_key", {
        "domain": domain, "selector": selector, "public_key": _public_key(domain, selector),
        "account_default": not any(True for _ in keys)})
    return ctx.respond(record, 201)


def _domains(ctx: Context) -> dict[str, Any]:
    held = dict(_brand(ctx).get("domains") or {})
    return {kind: held.get(kind) or "" for kind in DOMAIN_KINDS} | {
        k: v for k, v in held.items() if k not in DOMAIN_KINDS}


def show_domains(ctx: Context) -> Reply:
    """The brand's sending domains."""
    return Reply(200, {"data": _domains(ctx)})


def change_domains(ctx: Context) -> Reply:
    """Set the bounce, tracking and forward domains."""
    given = ctx.body["domains"]
    record = _brand(ctx)
    ctx.tenant.collections["brand"].update(
        BRAND, {"domains": {**(record.get("domains") or {}), **given}})
    return Reply(200, {"object": "domains", "patched": True, "data": _domains(ctx)})


def _host(value: str) -> str:
    text = value.split("://", 1)[-1]
    return text.split("/", 1)[0].lower()


def _covered(ctx: Context, host: str) -> bool:
    """Whether a DKIM key's domain is the host or one of its parents."""
    for key in ctx.tenant.collections["dkim_key"].records.values():
        domain = str(key.get("domain", ""))
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def validate_domains(ctx: Context) -> Reply:
    """The DNS entries the bounce and tracking domains need, and whether each is in place."""
    domains = _domains(ctx)
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in ("bounce", "tracking"):
        host = _host(str(domains.get(kind) or ""))
        if not host:
            raise ctx.refuse(f"the {kind} domain is not set; set it with PATCH "
                             "/brands/default/domains/default", ("body", "domains", kind))
        out[kind] = [{"entry": f"{host} CNAME {kind}.especial.example",
                      "valid": _covered(ctx, host)}]
    return Reply(200, {"data": out})


def _system_emails(ctx: Context) -> dict[str, Any]:
    held = _brand(ctx).get("system_emails") or {}
    return {kind: list(held.get(kind) or []) for kind in SYSTEM_EMAILS}


def show_system_emails(ctx: Context) -> Reply:
    """Which templates and senders the system emails use, by language."""
    return Reply(200, {"data": _system_emails(ctx)})


def store_system_emails(ctx: Context) -> Reply:
    """Replace the system emails configuration (PUT), or change the kinds the body names."""
    # Members the schema does not name are ignored, as the schema leaves them open.
    given = {kind: value for kind, value in ctx.fields().items() if kind in SYSTEM_EMAILS}
    current = {} if ctx.op.spec.method == "PUT" else _system_emails(ctx)
    _brand(ctx)
    ctx.tenant.collections["brand"].update(BRAND, {"system_emails": {**current, **given}})
    return Reply(200, {"object": "systememails", "updated": True, "data": _system_emails(ctx)})


def _image(ctx: Context, text: str) -> tuple[bytes, str]:
    """The bytes and extension of a base64 image (a data URI's prefix is allowed)."""
    payload = text.split(",", 1)[1] if text.startswith("data:") and "," in text else text
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ctx.refuse("the file must be a base64-encoded image", ("body", "file")) from None
    for magic, extension in IMAGES.items():
        if raw.startswith(magic):
            return raw, extension
    raise ctx.refuse("the file must be a PNG, JPEG or GIF image", ("body", "file"))


def upload_logo(ctx: Context) -> Reply:
    """Set the brand's logo from a base64 image; it is served from the provider's assets."""
    raw, extension = _image(ctx, str(ctx.body["file"]))
    _brand(ctx)
    url = f"{ASSETS}/{hashlib.sha256(raw).hexdigest()[:24]}.{extension}"
    ctx.tenant.collections["brand"].update(BRAND, {"logo": url})
    return Reply(200, {"logo": url, "object": "logo", "uploaded": True})


def remove_logo(ctx: Context) -> Reply:
    """Remove the brand's logo."""
    record = ctx.tenant.collections["brand"].get(BRAND)
    if record is None or not record.get("logo"):
        raise ctx.refuse("the brand has no logo to remove", ("path",))
    ctx.tenant.collections["brand"].update(BRAND, {"logo": None})
    return Reply(200, {"object": "logo", "deleted": True})


HOOKS = Hooks.of(upload_logo, remove_logo, create_dkim_key, show_domains, change_domains,
                 validate_domains, show_system_emails, store_system_emails)
