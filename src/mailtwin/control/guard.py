"""Who may use the control plane: the control token, and the Host, Origin and Content-Type
rules that keep pages of other sites out (cross-site requests, DNS rebinding)."""

from __future__ import annotations

import hmac
import html
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from mailtwin.config import Config
from mailtwin.control.validation import render_error
from mailtwin.errors import ApiError, Problem

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The scope extension the in-process transport sets: such a request never crossed a network.
IN_PROCESS = "mailtwin.in_process"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WANTED = frozenset({b"host", b"origin", b"authorization", b"content-type", b"content-length",
                    b"transfer-encoding", b"sec-fetch-site", b"cookie"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The dashboard's pages and event stream cannot send headers: they carry the token in this
# cookie (SameSite=Strict, so no other site's page sends it).
COOKIE = "mailtwin_token"
UI = "/__mailtwin/ui"
LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Control token · mailtwin</title></head>
<body><main><h1>This sandbox asks for its control token</h1>
<p>{message}</p>
<p>Open this page once as <code>{path}?token=&lt;token&gt;</code>: the token is then kept in a
cookie for this browser, and the address loses it.</p></main></body></html>
"""


def in_process(scope: Scope) -> bool:
    """True when the request came from this process (Sandbox(app=...)), not a socket."""
    return IN_PROCESS in (scope.get("extensions") or {})


def host_name(host: str) -> str:
    """The name part of a Host header (`[::1]:8040` -> `[::1]`, `Example:80` -> `example`)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[:host.find("]") + 1] if "]" in host else host
    return host.rpartition(":")[0] if ":" in host else host


def _address(server: Any) -> str | None:
    """The local address a connection arrived at, as a Host name would spell it."""
    if not server or not isinstance(server[0], str):
        return None
    address = server[0].lower()
    return f"[{address}]" if ":" in address else address


class ControlGuard:
    """An ASGI wrapper refusing control requests that lack the token (401), come for another
    Host or from another Origin (403), or carry a body that is not JSON (415)."""

    def __init__(self, app: ASGIApp, config: Config) -> None:
        self.app = app
        self.token = config.control_token.encode("utf-8") if config.control_token else None
        self.names = frozenset((*LOOPBACK_NAMES, *config.allowed_hosts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {name: value.decode("latin-1") for name, value in scope["headers"]
                   if name in WANTED}
        refusal = self.refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        if refusal.status == 401 and _page(scope):
            login = self._login(scope)
            if login is not None:
                await _send(send, 303, b"", login)
                return
            text = LOGIN_PAGE.format(message=html.escape(refusal.summary()),
                                     path=html.escape(scope["path"]))
            await _send(send, 401, text.encode("utf-8"), {
                "content-type": "text/html; charset=utf-8", **refusal.headers,
                "content-security-policy": "default-src 'none'", "cache-control": "no-store"})
            return
        await _send(send, refusal.status, json.dumps(render_error(refusal)).encode("utf-8"),
                    {"content-type": "application/json", **refusal.headers})

    def _login(self, scope: Scope) -> dict[str, str] | None:
        """For a dashboard page asked for with the right `?token=`: a redirect to the page
        without it that sets the cookie; None otherwise."""
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        given = [value for name, value in pairs if name == "token"]
        if self.token is None or not given or not hmac.compare_digest(
                given[-1].encode("utf-8", "replace"), self.token):
            return None
        rest = urlencode([(name, value) for name, value in pairs if name != "token"])
        cookie = f"{COOKIE}={quote(given[-1], safe='')}; Path=/__mailtwin; SameSite=Strict"
        return {"location": scope["path"] + (f"?{rest}" if rest else ""), "set-cookie": cookie,
                "cache-control": "no-store"}

    def refusal(self, scope: Scope, headers: dict[bytes, str]) -> ApiError | None:
        """Why a request is refused, or None; checked in the order a browser attack needs."""
        if not in_process(scope):
            refused = self._site(scope, headers) or self._token(headers)
            if refused is not None:
                return refused
        return _media(scope["method"], headers)

    def _site(self, scope: Scope, headers: dict[bytes, str]) -> ApiError | None:
        host = headers.get(b"host", "")
        name = host_name(host)
        if name not in self.names and name != _address(scope.get("server")):
            return _refuse(403, ("header", "host"), "forbidden",
                           f"the control plane answers requests for localhost, 127.0.0.1, "
                           f"[::1], the server's own address and names given with "
                           f"--allowed-host; Host {host!r} is none of them")
        origin = headers.get(b"origin")
        own = f"{scope.get('scheme', 'http')}://{host.strip()}".lower()
        if (origin is not None and origin.strip().lower() != own) or headers.get(
                b"sec-fetch-site") == "cross-site":
            return _refuse(403, ("header", "origin"), "forbidden",
                           f"requests from pages of another origin are refused (Origin "
                           f"{origin!r}, this server is {own})")
        return None

    def _token(self, headers: dict[bytes, str]) -> ApiError | None:
        if self.token is None:
            return None
        scheme, _, given = headers.get(b"authorization", "").partition(" ")
        bearer = scheme.lower() == "bearer"
        if not bearer:
            given = _cookie(headers.get(b"cookie", "")) or ""
        if (bearer or given) and hmac.compare_digest(given.strip().encode("utf-8", "replace"),
                                                     self.token):
            return None
        message = ("the control token does not match" if bearer or given else
                   "this server needs a control token: Authorization: Bearer <token>")
        return _refuse(401, ("header", "authorization"), "unauthorized", message,
                       {"www-authenticate": 'Bearer realm="mailtwin control plane"'})


def _page(scope: Scope) -> bool:
    """True for a dashboard page (which a browser opens, rather than a script calling)."""
    path: str = scope["path"]
    return scope["method"] == "GET" and (path == UI or path.startswith(UI + "/"))


def _cookie(text: str) -> str | None:
    """The control token of a Cookie header, if it carries one."""
    if COOKIE not in text:
        return None
    try:
        morsel = SimpleCookie(text).get(COOKIE)
    except CookieError:
        return None
    return unquote(morsel.value) if morsel is not None else None


async def _send(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    pairs = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status,
                "headers": [*pairs, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _media(method: str, headers: dict[bytes, str]) -> ApiError | None:
    """415 for a body (or a declared type) other than JSON on a method that changes things."""
    if method in SAFE_METHODS:
        return None
    declared = headers.get(b"content-type")
    has_body = headers.get(b"content-length", "0").strip() not in ("", "0") or (
        b"transfer-encoding" in headers)
    if declared is None and not has_body:
        return None
    media = (declared or "").partition(";")[0].strip().lower()
    if media == "application/json":
        return None
    return _refuse(415, ("header", "content-type"), "unsupported_media_type",
                   f"control-plane bodies are JSON: send Content-Type: application/json "
                   f"(got {declared!r})")


def _refuse(status: int, location: tuple[str, ...], kind: str, message: str,
            headers: dict[str, str] | None = None) -> ApiError:
    return ApiError(status, [Problem(location, message, kind)], headers=headers or {})

