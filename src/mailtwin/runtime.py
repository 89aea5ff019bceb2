"""The sandbox at run time: providers, routes, state, clock and journal, built once from a
Config, and the per-request path through them."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from mailtwin import rawjson
from mailtwin.clock import Clock
from mailtwin.config import Config
from mailtwin.context import Context, Reply
from mailtwin.errors import ApiError, Problem
from mailtwin.events import EventHub
from mailtwin.faults import Decision, Faults
from mailtwin.fixtures import seed_tenant
from mailtwin.handlers import HANDLERS
from mailtwin.journal import Journal
from mailtwin.lifecycle import LifecycleEngine, Moved
from mailtwin.operation import Operation, compile_operation
from mailtwin.provider import Provider, without_nulls
from mailtwin.ratelimit import forget_tenant, rate_limit_headers
from mailtwin.redaction import PREFIX, bearer_token, redacted
from mailtwin.router import Router
from mailtwin.sources import fixture_folder, provider_specs
from mailtwin.store import Limits, Store, Tenant, TenantLimit
from mailtwin.validation import Schemas, parse_query

log = logging.getLogger("mailtwin")


@dataclass
class Request:
    """The parts of an HTTP request the sandbox looks at."""

    method: str
    path: str
    query: bytes
    headers: dict[str, str]
    body: bytes
    base_url: str


@dataclass
class Outcome:
    """A reply with what served it (for the journal and the control plane)."""

    reply: Reply
    provider: Provider | None
    op: Operation | None
    tenant: str | None


class Runtime:
    """Everything a running sandbox holds; hung on the app as `app.state.runtime`."""

    def __init__(self, config: Config, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.providers = {spec.name: Provider(spec) for spec in provider_specs(config)}
        self.fixture_folders = {name: fixture_folder(config, p.spec)
                                for name, p in self.providers.items()}
        self.mounts = sorted(((p.mount, p) for p in self.providers.values()),
                             key=lambda item: -len(item[0]))
        self.router: Router[Operation] = Router()
        self.operations: list[Operation] = []
        for provider in self.providers.values():
            schemas = Schemas(provider.name, provider.spec.document)
            for op_spec in provider.spec.operations:
                op = compile_operation(provider, op_spec, schemas, HANDLERS)
                self.router.add(op_spec.method, op.full_path, op)
                self.operations.append(op)
        limits = Limits(config.max_tenants, config.tenant_idle_seconds, config.max_records)
        self.store = Store({name: self._seeder(p) for name, p in self.providers.items()},
                           self._materialised, limits, self._evicted)
        # The request being served, so a tenant it creates knows whether a token named it.
        self._serving: Request | None = None
        self.engine = LifecycleEngine(self.store)
        for provider in self.providers.values():
            for resource in provider.resources.values():
                if resource.lifecycle is not None:
                    self.engine.register(provider.name, resource.name, resource.lifecycle)
            listener = provider.hooks.get("on_move")
            if listener is not None:
                self.engine.listeners[provider.name] = listener
        self.events = EventHub()
        # Without a control plane nobody reads the journal: its bodies would only take memory.
        self.journal = Journal(config.journal_limit, self.events, config.journal_max_bytes,
                               config.journal_body_bytes if config.control else 0)
        self.engine.observers.append(self.journal.add_move)
        self.journal.tenant_label = self.tenant_label
        self.faults = Faults(config.seed)
        # Named snapshots taken through the control plane: name -> (store blob, clock state).
        self.snapshots: dict[str, tuple[bytes, tuple[float, float | None]]] = {}

    def _seeder(self, provider: Provider) -> Any:
        return lambda: self.seed(provider, self.config.seed)

    def seed(self, provider: Provider, seed: int) -> Tenant:
        """The provider's fixtures for a seed, from the disk cache when nothing changed."""
        from mailtwin.diskcache import cached, key_of
        from mailtwin.fixtures import fixture_files

        folder = self.fixture_folders[provider.name]
        files = fixture_files(folder)
        parts = [provider.spec.source.read_bytes(), str(seed).encode(),
                 *(str(path.name).encode() + path.read_bytes() for path in files)]
        return cached(key_of(f"fixtures-{provider.name}", parts),
                      lambda: seed_tenant(provider, folder, seed))

    def _materialised(self, provider: str, name: str, tenant: Tenant) -> None:
        request = self._serving
        token = bearer_token(request.headers) if request is not None else None
        if token is not None and name.startswith(token):
            tenant.credential = True
        self.engine.materialised(provider, name, tenant, self.clock.now())

    def _evicted(self, provider: str, name: str) -> None:
        forget_tenant(self, provider, name)

    def tenant_named(self, provider: str | None, label: str) -> str:
        """The tenant a label shown by the control plane stands for (the name itself, or the
        token-named tenant whose redacted name it is)."""
        if not label.startswith(PREFIX):
            return label
        for (owner, name), tenant in self.store.tenants.items():
            if tenant.credential and (provider is None or owner == provider) and redacted(
                    name) == label:
                return name
        return label

    def tenant_label(self, provider: str, name: str) -> str:
        """A tenant's name as the control plane shows it: redacted when a token named it."""
        tenant = self.store.tenants.get((provider, name))
        return redacted(name) if tenant is not None and tenant.credential else name

    def warm(self) -> None:
        """Build every provider's fixtures now rather than on the first request."""
        for name in self.providers:
            self.store.pristine(name)

    def provider_for(self, path: str) -> Provider | None:
        """The provider whose mount holds a path (longest mount first)."""
        for mount, provider in self.mounts:
            if path == mount or path.startswith(mount + "/"):
                return provider
        return None

    def tick(self) -> list[Moved]:
        """Fire the timed moves the clock has reached."""
        due = self.store.next_due()
        if due is None or due > self.clock.timestamp():
            return []
        return self.engine.fire_due(self.clock.timestamp())

    def handle(self, request: Request) -> Outcome:
        """Serve one request; never raises: every failure is an answer in the provider's style."""
        provider = self.provider_for(request.path)
        if provider is None:
            body = {"error": f"no provider is mounted at {request.path}",
                    "mounts": sorted(self.providers[p].mount for p in self.providers)}
            return Outcome(Reply(404, body), None, None, None)
        op: Operation | None = None
        tenant: str | None = None
        self._serving = request
        try:
            match = self.router.match(request.method, request.path)
            if match.target is None:
                if match.allowed:
                    allowed = ", ".join(match.allowed)
                    message = f"method {request.method} is not allowed here (allowed: {allowed})"
                    raise ApiError(405, [Problem((), message, "method_not_allowed")],
                                   headers={"allow": allowed})
                raise ApiError(404, [Problem(("path",), f"no route for {request.path}",
                                             "not_found")])
            op = match.target
            tenant = self.tenant_of(provider, op, request)
            ctx = self._context(request, provider, op, tenant, match.params)
            # After the tenant exists: a fresh tenant's timers may already be due.
            self.tick()
            reply = op.handler(ctx)
        except ApiError as error:
            reply = Reply(error.status, provider.render_error(error), dict(error.headers))
            if isinstance(error, TenantLimit):
                tenant = None  # refused before it existed: counted against nobody
        except Exception:  # a bug must still answer in the provider's shape
            log.exception("unexpected error serving %s %s", request.method, request.path)
            failure = ApiError(500, [Problem((), "internal sandbox error", "server_error")])
            reply = Reply(500, provider.render_error(failure))
        finally:
            self._serving = None
        return Outcome(reply, provider, op, tenant)

    def tenant_of(self, provider: Provider, op: Operation, request: Request) -> str:
        """The tenant a request acts as: the provider's `authenticate` hook if it has one
        (`hook(runtime, provider, request) -> tenant`), else its auth scheme."""
        if not op.needs_auth:
            return "default"
        hook = provider.hooks.get("authenticate")
        if hook is not None:
            return str(hook(self, provider, request))
        return provider.authenticate(request.headers)

    def _context(self, request: Request, provider: Provider, op: Operation, tenant_name: str,
                 raw_path: dict[str, str]) -> Context:
        """Validate path, query and body; every problem is reported at once."""
        path, path_problems = op.path_params.parse(list(raw_path.items()))
        if path_problems:
            raise ApiError(provider.validation_status("path"), path_problems)
        query, problems = op.query_params.parse(parse_query(request.query))
        body, body_problems, malformed = op.body.parse(
            request.body, request.headers.get("content-type", ""))
        if malformed:
            raise ApiError(provider.malformed_status(), body_problems)
        if problems or body_problems:
            place = "query" if problems else "body"
            raise ApiError(provider.validation_status(place), problems + body_problems)
        tenant = self.store.tenant(provider.name, tenant_name)
        return Context(runtime=self, provider=provider, op=op, tenant_name=tenant_name,
                       tenant=tenant, path=path, query=query, body=body,
                       headers=request.headers, base_url=request.base_url,
                       raw_path=request.path, raw_query=request.query.decode("latin-1"),
                       now=self.clock.now())

    def answer(self, request: Request, fault: Decision | None) -> Outcome:
        """The answer a fault rule imposes, else the provider's own."""
        if fault is not None and fault.reply is not None:
            return Outcome(fault.reply, fault.provider, None, fault.tenant)
        return self.handle(request)

    def finish(self, outcome: Outcome, request: Request
               ) -> tuple[Outcome, list[tuple[str, str]], bytes]:
        """Encode an outcome, add the standard headers and write it into the journal."""
        reply = outcome.reply
        payload = encode_for(outcome.provider, reply)
        media = reply.media_type or (outcome.provider.media_type if outcome.provider
                                     else "application/json")
        headers = [("content-type", media), ("content-length", str(len(payload))),
                   *reply.headers.items(),
                   *rate_limit_headers(self, outcome.provider, outcome.tenant, reply.headers)]
        self.record(outcome, request, payload)
        if request.method == "HEAD":
            payload = b""
        return outcome, headers, payload

    def record(self, outcome: Outcome, request: Request, payload: bytes) -> None:
        """Write a served request into the journal."""
        self.journal.add(
            time=self.clock.timestamp(),
            provider=outcome.provider.name if outcome.provider else "",
            tenant=outcome.tenant, method=request.method, path=request.path,
            query=request.query.decode("latin-1"), headers=request.headers, body=request.body,
            status=outcome.reply.status, response=payload,
            operation=outcome.op.spec.operation_id if outcome.op else None)


def encode_for(provider: Provider | None, reply: Reply) -> bytes:
    """A reply's body as bytes, in the provider's style (which may leave nulls out)."""
    if provider is not None and provider.omit_nulls and not reply.spliced and reply.raw is None:
        reply.body = without_nulls(reply.body)
    return encode(reply)


def encode(reply: Reply) -> bytes:
    """A reply's body as bytes."""
    if reply.raw is not None:
        return reply.raw
    if reply.status == 204 and reply.body is None:
        return b""
    if reply.spliced:
        return rawjson.dumps(reply.body)
    return json.dumps(reply.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
