"""The request log: one line per request at info on the "mailtwin.access" logger.

A line is `METHOD PATH STATUS provider=NAME tenant=LABEL MS` (status 0: a fault dropped the
connection; `-`: none). It never holds credentials: no header and no query string is
printed, and tenants are labelled by how their name was made (see `tenant_label`).
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailtwin.provider import Provider

ACCESS = logging.getLogger("mailtwin.access")
# Auth schemes whose tenants may be named by the tokens themselves.
TOKEN_SCHEMES = frozenset({"bearer", "oauth2"})


def enabled() -> bool:
    """Whether request lines are wanted; checked once per request before any other work."""
    return ACCESS.isEnabledFor(logging.INFO)


def token_label(name: str) -> str:
    """A short stand-in for a name that may be a secret: `~` and 8 hex digits of its BLAKE2b
    hash, the same in every run."""
    digest = hashlib.blake2b(name.encode("utf-8", "surrogateescape"), digest_size=4,
                             person=b"mailtwin")
    return "~" + digest.hexdigest()


def tenant_label(provider: Provider | None, tenant: str | None) -> str:
    """The tenant as the log shows it.

    A bearer-token provider accepts any token as its own tenant, so its tenant names may be
    the tokens themselves; tokens it issued name their grant's client id or user instead, but
    the name does not tell which, so every tenant of such a provider is printed as
    `token_label` of its name: lines of one tenant still go together, and the label of a known
    name can be computed to find them. An HTTP Basic tenant is the user name (the public key),
    printed as it is, like the user column of a web server's log: the password, the secret
    part, never names a tenant. A name that would not print on one line is hashed as well.
    """
    if tenant is None:
        return "-"
    if provider is not None and provider.spec.conventions["auth"]["scheme"] in TOKEN_SCHEMES:
        return token_label(tenant)
    return tenant if tenant.isprintable() and " " not in tenant else token_label(tenant)


def log_request(method: str, path: str, status: int, provider: str, tenant: str,
                started: float) -> None:
    """Write one request line; `started` is the request's `time.perf_counter()`."""
    elapsed = (time.perf_counter() - started) * 1000
    if not path.isprintable():
        path = path.encode("unicode_escape").decode("ascii")
    ACCESS.info("%s %s %d provider=%s tenant=%s %.1fms", method, path, status, provider, tenant,
                elapsed)
