"""`Sandbox`: a Python client of the control plane, over HTTP or in-process on an app."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mailtwin import journal_assert, outbox_assert
from mailtwin.conventions.timestamps import parse_iso

if TYPE_CHECKING:
    import httpx

    from mailtwin.app import MailtwinApp

PREFIX = "/__mailtwin"
IN_PROCESS_URL = "http://mailtwin.test"


class SandboxError(Exception):
    """The control plane refused a request; `status` and `body` say why."""

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("error") if isinstance(body, dict) else body
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body


def _iso(moment: datetime | str) -> str:
    if isinstance(moment, str):
        return moment
    return moment.isoformat().replace("+00:00", "Z") if moment.tzinfo else (
        moment.isoformat() + "Z")


def _secrets(secrets: bool) -> dict[str, str]:
    return {"secrets": "true"} if secrets else {}


class SandboxClock:
    """The sandbox's virtual clock: read, set, advance, freeze, unfreeze."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def describe(self) -> dict[str, Any]:
        """`{"now", "frozen", "offset_seconds"}`."""
        result: dict[str, Any] = self._sandbox.call("GET", "/clock")
        return result

    def now(self) -> datetime:
        moment = parse_iso(self.describe()["now"])
        if moment is None:
            raise SandboxError(200, "the clock answered a moment that is not ISO 8601")
        return moment

    def set(self, moment: datetime | str, frozen: bool = True) -> list[dict[str, Any]]:
        """Jump to a moment; returns the timed moves that fired."""
        result = self._sandbox.call("PUT", "/clock", {"now": _iso(moment), "frozen": frozen})
        moved: list[dict[str, Any]] = result["moved"]
        return moved

    def advance(self, duration: str | timedelta | None = None, *, seconds: float = 0,
                minutes: float = 0, hours: float = 0, days: float = 0
                ) -> list[dict[str, Any]]:
        """Move forward (`advance(hours=2)`, `advance("PT1H")`); returns what moved, in order."""
        body: dict[str, Any] = {"seconds": seconds, "minutes": minutes, "hours": hours,
                                "days": days}
        if isinstance(duration, timedelta):
            body["seconds"] += duration.total_seconds()
        elif duration is not None:
            body["duration"] = duration
        moved: list[dict[str, Any]] = self._sandbox.call("POST", "/clock/advance", body)["moved"]
        return moved

    def freeze(self) -> dict[str, Any]:
        result: dict[str, Any] = self._sandbox.call("POST", "/clock/freeze")
        return result

    def unfreeze(self) -> dict[str, Any]:
        result: dict[str, Any] = self._sandbox.call("POST", "/clock/unfreeze")
        return result


class Sandbox:
    """Drives a sandbox: `Sandbox("http://127.0.0.1:8040", token=...)`, or `Sandbox(app=app)`
    in-process; `token` is the server's control token, if it has one."""

    def __init__(self, url: str | None = None, *, app: MailtwinApp | None = None,
                 timeout: float = 10.0, token: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        if (url is None) == (app is None):
            raise ValueError("give a server URL or an app, not both")
        self.app = app
        self.url = (url or IN_PROCESS_URL).rstrip("/")
        # httpx is imported on first use: `import mailtwin` stays quick for the server.
        import httpx

        # Only control-plane calls carry the token; provider clients bring their own auth.
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if app is not None:
            from mailtwin.inprocess import client

            self.http: httpx.Client = client(app, base_url=self.url, timeout=timeout,
                                             headers=headers)
        else:
            # `transport`: how control calls reach the server (a socket unless given).
            self.http = httpx.Client(base_url=self.url, timeout=timeout, headers=headers,
                                     transport=transport)
        self.clock = SandboxClock(self)
        self._mounts: dict[str, str] | None = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, json: Any = None,
             params: dict[str, Any] | None = None) -> Any:
        """One control-plane request; its JSON answer, or SandboxError."""
        response = self.http.request(method, PREFIX + path, json=json, params=params)
        body = response.json() if response.content else None
        if response.status_code >= 400:
            raise SandboxError(response.status_code, body)
        return body

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "/health")
        self._mounts = result["mounts"]
        return result

    def url_for(self, provider: str) -> str:
        """The base URL of a provider's API on this sandbox (e.g. `.../emma`)."""
        mounts = self._mounts if self._mounts is not None else self.health()["mounts"]
        if provider not in mounts:
            raise SandboxError(404, f"no provider named {provider!r} "
                                    f"(serving: {', '.join(sorted(mounts))})")
        return self.url + str(mounts[provider])

    def client(self, provider: str | None = None, **options: Any) -> httpx.Client:
        """An httpx client of this sandbox (of one provider's base URL when named)."""
        import httpx

        base = self.url_for(provider) if provider else self.url
        if self.app is not None:
            from mailtwin.inprocess import client

            return client(self.app, base_url=base, **options)
        return httpx.Client(base_url=base, **options)

    def reset(self, provider: str | None = None, tenant: str | None = None, *,
              snapshot: str | None = None, seed: int | None = None,
              clock: datetime | str | None = None, frozen: bool = True,
              journal: bool | None = None, faults: bool | None = None) -> dict[str, Any]:
        """State back to the fixtures (everything, one provider or one tenant)."""
        body: dict[str, Any] = {}
        options = {"provider": provider, "tenant": tenant, "snapshot": snapshot, "seed": seed,
                   "journal": journal, "faults": faults}
        body.update({k: v for k, v in options.items() if v is not None})
        if clock is not None:
            body.update(clock=_iso(clock), frozen=frozen)
        result: dict[str, Any] = self.call("POST", "/reset", body)
        return result

    def snapshot(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", "/snapshots", {"name": name})
        return result

    def restore(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", f"/snapshots/{name}/restore")
        return result

    def snapshots(self) -> list[str]:
        return [item["name"] for item in self.call("GET", "/snapshots")["snapshots"]]

    def delete_snapshot(self, name: str) -> None:
        self.call("DELETE", f"/snapshots/{name}")

    def export_state(self, secrets: bool = False) -> dict[str, Any]:
        """The whole state; `secrets=True` (a server with a control token) keeps tokens and
        passwords as they are, so the document can be imported with them."""
        result: dict[str, Any] = self.call("GET", "/state", params=_secrets(secrets))
        return result

    def import_state(self, document: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.call("PUT", "/state", document)
        return result

    def journal(self, provider: str | None = None, method: str | None = None,
                path: str | None = None, status: int | None = None,
                tenant: str | None = None, last: int | None = None,
                secrets: bool = False) -> list[dict[str, Any]]:
        """Requests received, oldest first; `path` is a glob (`/emma/*/mailings/*`); secrets
        redacted (see `redacted`) unless `secrets=True` on a server with a control token."""
        params = {"provider": provider, "method": method, "path": path, "status": status,
                  "tenant": tenant, "last": last, **_secrets(secrets)}
        found = self.call("GET", "/journal",
                          params={k: v for k, v in params.items() if v is not None})
        entries: list[dict[str, Any]] = found["entries"]
        return entries

    def webhook_deliveries(self, *, provider: str | None = None, tenant: str | None = None,
                           webhook: str | None = None, event: str | None = None,
                           status: str | None = None, delivery: str | None = None,
                           limit: int | None = None, before: int | None = None
                           ) -> list[dict[str, Any]]:
        """Webhook delivery attempts, newest first, filtered by every argument given
        (`status`: delivered, failed, refused, dropped); one page of `limit` (default 100),
        numbered below `before`."""
        params = {"provider": provider, "tenant": tenant, "webhook": webhook, "event": event,
                  "status": status, "delivery": delivery, "limit": limit, "before": before}
        found = self.call("GET", "/webhooks/deliveries",
                          params={k: v for k, v in params.items() if v is not None})
        attempts: list[dict[str, Any]] = found["deliveries"]
        return attempts

    def redeliver_webhook(self, seq: int) -> dict[str, Any]:
        """Send the event of logged attempt `seq` again, now, as one more attempt of its
        delivery (not retried); returns `{"delivery", "attempt", "webhook", "event", "url",
        "queued"}`. `flush_webhooks()` waits for the attempt."""
        result: dict[str, Any] = self.call("POST", f"/webhooks/deliveries/{seq}/redeliver")
        return result

    def flush_webhooks(self, timeout: float | None = None) -> dict[str, Any]:
        """Wait until every webhook delivery due now has been attempted; returns
        `{"attempted", "pending", "unfinished", "next_attempt"}`."""
        body = {} if timeout is None else {"timeout": timeout}
        result: dict[str, Any] = self.call("POST", "/webhooks/flush", body)
        return result

    def clear_journal(self) -> None:
        self.call("DELETE", "/journal")

    def journal_limit(self, limit: int) -> None:
        self.call("PUT", "/journal/limit", {"limit": limit})

    def fault(self, effect: str = "error", **rule: Any) -> dict[str, Any]:
        """Add a fault rule (`fault("rate_limit", provider="emma", count=1)`); returns it."""
        body = {"effect": effect, **{k: v for k, v in rule.items() if v is not None}}
        result: dict[str, Any] = self.call("POST", "/faults", body)
        return result

    def faults(self) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = self.call("GET", "/faults")["faults"]
        return rules

    def delete_fault(self, ident: int) -> None:
        self.call("DELETE", f"/faults/{ident}")

    def clear_faults(self) -> None:
        self.call("DELETE", "/faults")

    def tenants(self, provider: str | None = None, secrets: bool = False
                ) -> list[dict[str, Any]]:
        """Tenants created so far; those named by a bearer token redacted unless `secrets`."""
        params = {"provider": provider} if provider else {}
        rows: list[dict[str, Any]] = self.call("GET", "/tenants",
                                               params={**params, **_secrets(secrets)})["tenants"]
        return rows

    def add_credentials(self, provider: str, user: str | None = None,
                        password: str | None = None, *, token: str | None = None,
                        tenant: str | None = None) -> dict[str, Any]:
        """Make a provider know a user and password (`add_credentials("emma", "alice-pub",
        "s3cret", tenant="alice")`) or a bearer token (`token=...`); answered redacted."""
        body = {"provider": provider, "user": user, "password": password, "token": token,
                "tenant": tenant}
        result: dict[str, Any] = self.call(
            "POST", "/credentials", {k: v for k, v in body.items() if v is not None})
        return result

    def credentials(self, provider: str | None = None, secrets: bool = False
                    ) -> list[dict[str, Any]]:
        """The users and tokens providers know, passwords and tokens redacted unless
        `secrets`."""
        params = {"provider": provider} if provider else {}
        rows: list[dict[str, Any]] = self.call(
            "GET", "/credentials", params={**params, **_secrets(secrets)})["credentials"]
        return rows

    def remove_credentials(self, provider: str, user: str | None = None, *,
                           token: str | None = None) -> None:
        """Make a provider forget a user or a token."""
        params = {"provider": provider, "user": user, "token": token}
        self.call("DELETE", "/credentials",
                  params={k: v for k, v in params.items() if v is not None})

    def assert_requested(self, method: str, path: str, *, json: Any = journal_assert.ANY,
                         query: dict[str, Any] | None = None, status: int | None = None,
                         times: int | None = None) -> list[dict[str, Any]]:
        """The journal holds this request (`times` times when given), else a readable diff."""
        __tracebackhide__ = True
        return journal_assert.assert_requested(self.journal(), method, path, json=json,
                                               query=query, status=status, times=times)

    def outbox(self, provider: str | None = None, tenant: str | None = None, *,
               resource: str | None = None, mailing: Any = None, to: str | None = None,
               subject: str | None = None, event: str | None = None, offset: int = 0,
               limit: int = 1000) -> list[dict[str, Any]]:
        """Messages providers sent, newest first (`to`: an address; `subject`: text the
        subject holds; `event`: a type that happened to them)."""
        params = {"provider": provider, "tenant": tenant, "resource": resource,
                  "mailing": None if mailing is None else str(mailing), "to": to,
                  "subject": subject, "event": event, "offset": offset, "limit": limit}
        found: list[dict[str, Any]] = self.call(
            "GET", "/outbox", params={k: v for k, v in params.items() if v is not None}
        )["messages"]
        return found

    def message(self, ident: str) -> dict[str, Any]:
        """One message: rendered subject, HTML and text, headers and event timeline."""
        found: dict[str, Any] = self.call("GET", f"/outbox/{ident}")
        return found

    def eml(self, ident: str) -> bytes:
        """One message as an RFC 5322 document (the bytes of an .eml file)."""
        response = self.http.get(f"{PREFIX}/outbox/{ident}.eml")
        if response.status_code >= 400:
            raise SandboxError(response.status_code, response.json())
        return response.content

    def simulation(self, provider: str, tenant: str | None = None, **rates: float
                   ) -> dict[str, Any]:
        """The delivery simulation's rates in force for a provider (and tenant); rates given
        (`hard_bounce`, `soft_bounce`, `open`, `click`, `complaint`, `unsubscribe`, each
        0 to 1) are set first."""
        if rates:
            body = {"provider": provider, "rates": rates,
                    **({"tenant": tenant} if tenant is not None else {})}
            changed: dict[str, Any] = self.call("PUT", "/simulation", body)
            return changed
        params = {"provider": provider, **({"tenant": tenant} if tenant is not None else {})}
        found: dict[str, Any] = self.call("GET", "/simulation", params=params)
        return found

    def assert_sent(self, *, to: str | None = None, subject: str | None = None,
                    contains: str | None = None, provider: str | None = None,
                    times: int | None = None) -> list[dict[str, Any]]:
        """The outbox holds a message to `to` whose subject holds `subject` and whose text or
        HTML holds `contains` (`times` such messages when given); else an AssertionError
        listing what was sent instead, with a diff of the nearest message. Answers the
        matching messages."""
        __tracebackhide__ = True
        return outbox_assert.assert_sent(self.outbox(provider), self.message, to=to,
                                         subject=subject, contains=contains, times=times)

    def assert_not_requested(self, method: str, path: str, *, json: Any = journal_assert.ANY
                             ) -> None:
        """The journal holds no such request."""
        __tracebackhide__ = True
        journal_assert.assert_requested(self.journal(), method, path, json=json, times=0)
