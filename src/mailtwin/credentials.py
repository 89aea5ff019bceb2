"""The credentials a provider knows, and the tenant credentials key, in open or strict mode.

A provider knows a user (an HTTP Basic user, an OAuth client id, a login name) when its
fixtures declare it, the control plane added it, or its hooks registered it (a user created
through the API with a password); it knows a static bearer token when declared or added.
A known user's password is always checked. Anything else is, in `open` mode, a tenant keyed
by the whole credential (`credential_tenant`), and in `strict` mode refused.

The fixtures' credentials are fixed; those added since are kept in the provider's shared
state under `credentials` (so they travel with snapshots and state files, and a reset
forgets them), over the fixtures' ones:

    {"users": {"alice-pub": {"password": "...", "tenant": "alice", "declared": true}},
     "tokens": {"tok-1": {"tenant": "acme", "declared": true}}}

`declared` is true for credentials the fixtures or the control plane declared, false for
users the API registered.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from typing import Any

OPEN, STRICT = "open", "strict"
MODES = (OPEN, STRICT)
UNKNOWN, WRONG = "unknown", "wrong"
# RFC 6750 b64token: what a bearer token may hold. A name with any other character (`:` of a
# credential's tenant, `#` of a sub-account, `@` of a login) is out of a raw token's reach.
TOKEN_SYNTAX = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
ENTRY_KEYS = frozenset({"user", "password", "token", "tenant"})

# The shape of `credentials` in a provider's shared state (checked on state imports).
SHARED_CREDENTIALS: dict[str, Any] = {
    "type": "object",
    "properties": {"credentials": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "users": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["password", "tenant"],
                "properties": {"password": {"type": "string"}, "tenant": {"type": "string"},
                               "declared": {"type": "boolean"}}}},
            "tokens": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["tenant"],
                "properties": {"tenant": {"type": "string"},
                               "declared": {"type": "boolean"}}}}}}},
}


class CredentialError(Exception):
    """Credentials the provider refuses: `reason` is `unknown` (strict mode: nothing declares
    them) or `wrong` (a known user with another password)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def credential_tenant(user: str, secret: str) -> str:
    """The tenant unknown credentials key in open mode: the user and 16 hex digits of the
    SHA-256 of user and secret together, so another secret is another tenant and the name
    holds no secret (`credential_tenant("alice", "pw")` -> `alice:` and 16 hex digits)."""
    digest = hashlib.sha256(f"{user}\0{secret}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"{user}:{digest[:16]}"


def well_formed_token(token: str) -> bool:
    """True for a bearer token of RFC 6750 syntax (what a raw token may name a tenant as)."""
    return TOKEN_SYNTAX.fullmatch(token) is not None


def entry_problems(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with a declared credential, as (field, message) pairs."""
    found = [(key, f"unknown key {key!r}") for key in sorted(set(entry) - ENTRY_KEYS)]
    has_user, has_token = "user" in entry, "token" in entry
    if has_user == has_token:
        found.append(("user", "a credential names either a user (with a password) or a token"))
    if has_user and "password" not in entry:
        found.append(("password", "a user needs a password"))
    if has_token and "password" in entry:
        found.append(("password", "a token takes no password"))
    for key in ENTRY_KEYS & set(entry):
        if not isinstance(entry[key], str) or not entry[key]:
            found.append((key, f"{key} must be a non-empty string"))
    return found


class Credentials:
    """The credentials one provider knows and the mode it checks them in (`open` or
    `strict`): those its fixtures declare (fixed, `declared`) and, over them, those added
    since (in its shared state, at most `limit` users and `limit` tokens: past it the oldest
    the API registered goes first, else the oldest)."""

    def __init__(self, shared: dict[str, Any], declared: Mapping[str, dict[str, Any]],
                 mode: str, limit: int) -> None:
        self._shared = shared
        self.declared = declared
        self.mode = mode
        self.limit = limit

    @property
    def strict(self) -> bool:
        """True when only known credentials are accepted."""
        return self.mode == STRICT

    def added(self, kind: str) -> dict[str, dict[str, Any]]:
        """The users or tokens (`kind`) added since the fixtures, as stored."""
        held: dict[str, dict[str, Any]] = self._shared.get("credentials", {}).get(kind, {})
        return held

    def _table(self, kind: str) -> dict[str, dict[str, Any]]:
        held: dict[str, dict[str, Any]] = self._shared.setdefault(
            "credentials", {}).setdefault(kind, {})
        return held

    @property
    def users(self) -> dict[str, dict[str, Any]]:
        """Every known user: `{name: {password, tenant, declared}}`."""
        return {**self.declared["users"], **self.added("users")}

    @property
    def tokens(self) -> dict[str, dict[str, Any]]:
        """Every known static token: `{token: {tenant, declared}}`."""
        return {**self.declared["tokens"], **self.added("tokens")}

    def user(self, name: str) -> dict[str, Any] | None:
        """A known user's entry, or None."""
        found = self.added("users").get(name)
        return self.declared["users"].get(name) if found is None else found

    def tenant_for(self, user: str, secret: str) -> str:
        """The tenant a user and password act as: a known user's own (its password checked),
        else in open mode the credential's own tenant; CredentialError otherwise."""
        known = self.user(user)
        if known is not None:
            if not hmac.compare_digest(str(known["password"]).encode("utf-8", "surrogatepass"),
                                       secret.encode("utf-8", "surrogatepass")):
                raise CredentialError(WRONG, "the password does not match the user's")
            return str(known["tenant"])
        if self.strict:
            raise CredentialError(UNKNOWN, "the sandbox knows no such user (strict mode)")
        return credential_tenant(user, secret)

    def tenant_of_token(self, token: str) -> str | None:
        """The tenant a declared static token acts as, or None."""
        known = self.added("tokens").get(token) or self.declared["tokens"].get(token)
        return None if known is None else str(known["tenant"])

    def claims(self, tenant: str) -> bool:
        """True when a declared or added credential names this tenant (a raw token may not)."""
        return any(entry.get("declared") and entry["tenant"] == tenant
                   for entry in (*self.users.values(), *self.tokens.values()))

    def full(self, entry: Mapping[str, str]) -> bool:
        """True when adding this credential would take one place past the limit."""
        kind, key = ("tokens", entry["token"]) if "token" in entry else ("users", entry["user"])
        return key not in self.added(kind) and len(self.added(kind)) >= self.limit

    def add(self, entry: Mapping[str, str], declared: bool = True) -> dict[str, Any]:
        """Know a user (its password and tenant, by default `credential_tenant`) or a token
        (its tenant, by default the token itself), over what the fixtures or an earlier
        addition said of the same one."""
        if "token" in entry:
            token = entry["token"]
            held: dict[str, Any] = {"tenant": entry.get("tenant") or token,
                                    "declared": declared}
            _put(self._table("tokens"), token, held, self.limit)
            return held
        user, password = entry["user"], entry["password"]
        held = {"password": password,
                "tenant": entry.get("tenant") or credential_tenant(user, password),
                "declared": declared}
        _put(self._table("users"), user, held, self.limit)
        return held

    def register(self, user: str, password: str, tenant: str) -> bool:
        """Know a user the provider's API created in a tenant (its hooks call this); a user
        another tenant already holds stays that tenant's (False)."""
        known = self.user(user)
        if known is not None and known["tenant"] != tenant:
            return False
        self.add({"user": user, "password": password, "tenant": tenant}, declared=False)
        return True

    def unregister(self, user: str, tenant: str) -> None:
        """Forget a user the API removed from a tenant (one another tenant holds stays)."""
        known = self.added("users").get(user)
        if known is not None and known["tenant"] == tenant:
            del self._table("users")[user]

    def remove(self, user: str | None = None, token: str | None = None) -> bool:
        """Forget an added user or token; False when none was added (the fixtures' stay)."""
        kind, key = ("users", user) if user is not None else ("tokens", token)
        return key is not None and self._table(kind).pop(key, None) is not None


def _put(table: dict[str, dict[str, Any]], key: str, value: dict[str, Any], limit: int) -> None:
    table.pop(key, None)
    while len(table) >= limit:
        oldest = next((k for k, v in table.items() if not v.get("declared")), None)
        del table[oldest if oldest is not None else next(iter(table))]
    table[key] = value


def seeded(declared: Iterable[Mapping[str, str]]) -> dict[str, dict[str, dict[str, Any]]]:
    """The credentials a provider's fixtures declare, as `Credentials` reads them."""
    users: dict[str, Any] = {}
    tokens: dict[str, Any] = {}
    for entry in declared:
        if "token" in entry:
            tokens[entry["token"]] = {"tenant": entry.get("tenant") or entry["token"],
                                      "declared": True}
        else:
            users[entry["user"]] = {
                "password": entry["password"], "declared": True,
                "tenant": entry.get("tenant") or credential_tenant(entry["user"],
                                                                   entry["password"])}
    return {"users": users, "tokens": tokens}


def parse_modes(value: object) -> tuple[tuple[str, str], ...]:
    """Auth modes from `strict`, `especial=strict,emma=open`, a mapping or pairs, as
    `(provider or "*", mode)` pairs; ValueError names what is wrong."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[tuple[str, str]] = []
        for part in (p.strip() for p in value.split(",")):
            if part:
                name, sep, mode = part.rpartition("=")
                items.append((name.strip() if sep else "*", mode.strip()))
    elif isinstance(value, Mapping):
        items = [(str(k), str(v)) for k, v in value.items()]
    else:
        items = [(str(k), str(v)) for k, v in value]  # type: ignore[attr-defined]
    for name, mode in items:
        if mode not in MODES:
            raise ValueError(f"auth mode {mode!r} for {name} must be open or strict")
        if not name:
            raise ValueError("a provider name must come before = in an auth mode")
    return tuple(items)
