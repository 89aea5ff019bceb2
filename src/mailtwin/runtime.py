"""The sandbox at run time: providers, routes, state, clock and journal, built once from a
Config, and the per-request path through them."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailtwin import redaction
from mailtwin.clock import Clock
from mailtwin.config import Config, ConfigError
from mailtwin.context import AuthContext, Context, Engine, Handler, Styles
from mailtwin.conventions.auth import SCHEMES, Scheme
from mailtwin.conventions.styles import styles_for
from mailtwin.conventions.timestamps import parse_iso
from mailtwin.credentials import Credentials, seeded
from mailtwin.delivery.engine import KIND, Delivery, Post, Writer
from mailtwin.errors import ApiError, Problem
from mailtwin.events import Event, EventBus, EventHub
from mailtwin.faults import Decision, Faults
from mailtwin.fixtures import fixture_credentials, seed_tenant
from mailtwin.handlers import HANDLERS
from mailtwin.hookset import Hooks, load_hooks
from mailtwin.journal import Journal
from mailtwin.lifecycle import LifecycleEngine, Moved
from mailtwin.oauth2 import TokenStore
from mailtwin.operation import Operation, compile_operation
from mailtwin.provider import Provider
from mailtwin.ratelimit import forget_tenant, rate_limit_headers
from mailtwin.redaction import PREFIX, bearer_token, redacted
from mailtwin.references import check_references
from mailtwin.replay import Replay, replayable
from mailtwin.reply import Reply, encode_for
from mailtwin.request import Request
from mailtwin.router import Router
from mailtwin.sources import fixture_folder, provider_specs
from mailtwin.store import Limits, Store, Tenant, TenantLimit
from mailtwin.validation import Schemas, parse_query
from mailtwin.webhooks.declaration import WebhookSpec, compile_webhooks
from mailtwin.webhooks.sender import WebhookSender

log = logging.getLogger("mailtwin")


@dataclass(frozen=True)
class Route:
    """A routed operation and what serves it: its hook, else the handler of its kind."""

    op: Operation
    handler: Handler
    generic: Handler | None
    # Its answers depend on nothing but the store, the request and the clock (see replay.py).
    replayable: bool = False


@dataclass
class Outcome:
    """A reply with what served it (for the journal and the control plane)."""

    reply: Reply
    provider: Provider | None
    op: Operation | None
    tenant: str | None
    replayable: bool = False


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
        self.hooks: dict[str, Hooks] = {name: load_hooks(p.spec)
                                        for name, p in self.providers.items()}
        self.styles: dict[str, Styles] = {name: styles_for(p)
                                          for name, p in self.providers.items()}
        self.schemes: dict[str, Scheme] = {name: SCHEMES[p.auth["scheme"]]
                                           for name, p in self.providers.items()}
        unknown = sorted({name for name, _ in config.auth_pairs
                          if name != "*" and name not in self.providers})
        if unknown:
            raise ConfigError(f"auth modes name providers that are not served: "
                              f"{', '.join(unknown)}")
        # The credentials each provider's fixtures declare (credentials.yaml).
        self.declared = {name: seeded(fixture_credentials(p, self.fixture_folders[name]))
                         for name, p in self.providers.items()}
        self._modes: tuple[Config | None, dict[str, str]] = (None, {})
        self.router: Router[Route] = Router()
        self.operations: list[Operation] = []
        for provider in self.providers.values():
            schemas = Schemas(provider.name, provider.spec.document)
            hooks = self.hooks[provider.name].operations
            for op_spec in provider.spec.operations:
                op = compile_operation(provider, op_spec, schemas, hooks)
                generic = HANDLERS.get(op.kind)
                handler = hooks[op.hook] if op.hook is not None else generic
                assert handler is not None, "compile_operation refuses a hook kind without hook"
                self.router.add(op_spec.method, op.full_path,
                                Route(op, handler, generic, replayable(op)))
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
            for resource_name, listeners in self.hooks[provider.name].moves.items():
                for listener in listeners:
                    self.engine.listen(provider.name, resource_name, listener)
        # Live followers (the control plane's event stream, the dashboard).
        self.events = EventHub()
        # Without a control plane nobody reads the journal: its bodies would only take memory.
        self.journal = Journal(config.journal_limit, self.events, config.journal_max_bytes,
                               config.journal_body_bytes if config.control else 0)
        self.engine.observers.append(self.journal.add_move)
        # What happened, for subscribers inside the sandbox: moves and what hooks emit.
        self.bus = EventBus(config.event_limit)
        self.engine.observers.append(self._bus_move)
        self.bus.subscribe(self._follow)
        # Messages per recipient and their events, fired with the timed moves in time order.
        self.delivery = Delivery(self.store, self.bus, lambda: self.config)
        self.delivery.writer = Writer(self._create_record, self._apply_record)
        for provider in self.providers.values():
            self.delivery.declare(provider.name, provider.spec.ext.get("delivery"))
            for resource_name, followers in self.hooks[provider.name].messages.items():
                for follower in followers:
                    self.delivery.listen(provider.name, resource_name, follower)
        self.engine.kinds[KIND] = self.delivery.fire
        self.delivery.quiet = lambda: self.engine.quiet
        self.engine.post = lambda provider, name, tenant, moment: Post(
            self.delivery, provider, name, tenant, moment)
        # Webhooks of the providers that declare them: events on the bus become deliveries.
        specs = [spec for spec in (compile_webhooks(name, p.spec.ext.get("webhooks"))
                                   for name, p in self.providers.items()) if spec is not None]
        self.webhooks = WebhookSender(
            specs, self.store, self.clock, self.events, lambda: self.config, self._render,
            self._stamp, self.tenant_label, {s.provider: self._id_field(s) for s in specs})
        if specs:
            self.bus.subscribe(self.webhooks.on_event)
        self.parts = Engine(self.store, self.engine, self.clock, self.bus, self.authenticate,
                            lambda: self.config, self.credentials, self.delivery,
                            self.webhooks.watches)
        self.journal.tenant_label = self.tenant_label
        self.faults = Faults(config.seed)
        # Named snapshots taken through the control plane: name -> (store blob, clock state).
        self.snapshots: dict[str, tuple[bytes, tuple[float, float | None]]] = {}

    def credentials(self, provider: Provider) -> Credentials:
        """The credentials a provider knows (its fixtures', and those added since), in the
        mode the configuration gives it."""
        config = self.config
        if self._modes[0] is not config:  # resolved once per configuration
            self._modes = (config, {name: config.auth_mode(name) for name in self.providers})
        return Credentials(self.store.shared_state(provider.name), self.declared[provider.name],
                           self._modes[1][provider.name], config.max_credentials)

    def _bus_move(self, moved: Moved) -> None:
        """Every move is an event on the bus (`moved`)."""
        at = parse_iso(moved.at)
        self.bus.emit("moved", moved.provider, moved.tenant, at.timestamp() if at else 0.0, {
            "resource": moved.resource, "id": moved.ident, "from": moved.source,
            "to": moved.target, "at": moved.at, "via": moved.via})

    def _render(self, provider: str, resource: str, record: dict[str, Any]) -> Any:
        return self.providers[provider].resources[resource].render(record)

    def _stamp(self, provider: str, moment: datetime) -> Any:
        return self.providers[provider].style.format(moment)

    def _id_field(self, spec: WebhookSpec) -> str:
        return self.providers[spec.provider].resources[spec.resource].id_field

    def _create_record(self, provider: str, tenant_name: str, tenant: Tenant, resource: str,
                       fields: dict[str, Any], moment: datetime) -> dict[str, Any]:
        """A new record made by the engine (a suppression), made, stored and announced as a
        request's `ctx.create` does."""
        spec = self.providers[provider].resources[resource]
        record = spec.new_record(tenant, fields, self.providers[provider].style.format(moment))
        tenant.collections[resource].insert(record)
        self.engine.entered(provider, tenant_name, tenant, resource, record, moment)
        self.parts.changed(provider, tenant_name, spec, "created", record, moment)
        return record

    def _apply_record(self, provider: str, tenant_name: str, tenant: Tenant, resource: str,
                      ident: Any, changes: dict[str, Any], moment: datetime) -> dict[str, Any]:
        """Changes to a record made by the engine (a message listener's), stamped, moved and
        announced as a request's `ctx.apply` does."""
        spec = self.providers[provider].resources[resource]
        if spec.updated:
            changes[spec.updated] = self.providers[provider].style.format(moment)
        state = spec.lifecycle.field if spec.lifecycle is not None else None
        held = tenant.collections[resource].get(ident)
        before = held.get(state) if held is not None and state else None
        updated = self.engine.apply(provider, tenant_name, tenant, resource, ident, changes,
                                    moment, via="clock")
        if state is None or updated.get(state) == before:  # a move is an event of its own
            self.parts.changed(provider, tenant_name, spec, "updated", updated, moment)
        return updated

    def _follow(self, event: Event) -> None:
        """Live followers see what hooks emit and the record changes webhooks watch, secrets
        redacted (moves reach them from the journal)."""
        if event.kind != "moved" and self.events.subscriptions:
            shown = event.describe()
            shown["tenant"] = self.tenant_label(event.provider, event.tenant)
            shown["data"] = redaction.value(shown["data"])
            self.events.publish("event", shown)

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
        forget_tenant(self.store, provider, name)

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
        self.store.generation += 1
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
        reads = False
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
            route = match.target
            op = route.op
            reads = route.replayable and request.method == "GET"
            tenant = self.tenant_of(provider, op, request)
            ctx = self._context(request, route, tenant, match.params, reads)
            # After the tenant exists: a fresh tenant's timers may already be due.
            self.tick()
            if op.references:
                ctx.require_path()
                check_references(ctx, op.references)
            reply = route.handler(ctx)
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
            if not reads:
                self.store.generation += 1
        return Outcome(reply, provider, op, tenant, reads)

    def tenant_of(self, provider: Provider, op: Operation, request: Request) -> str:
        """The tenant a request acts as: the provider's `authenticate` hook if it has one,
        else its auth scheme."""
        if not op.needs_auth:
            return "default"
        return self.authenticate(provider, request.headers, request.query)

    def authenticate(self, provider: Provider, headers: dict[str, str], query: bytes) -> str:
        """The tenant some credentials name: the provider's `authenticate` hook, else its
        auth scheme."""
        scheme = self.schemes[provider.name]
        auth = AuthContext(engine=self.parts, provider=provider, headers=headers,
                           raw_query=query, scheme=scheme)
        hook = self.hooks[provider.name].authenticate
        return scheme(auth) if hook is None else str(hook(auth))

    def _context(self, request: Request, route: Route, tenant_name: str,
                 raw_path: dict[str, str], reads: bool = False) -> Context:
        """Validate path, query and body; every problem is reported at once."""
        op = route.op
        provider = op.provider
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
        tenant = self.store.tenant(provider.name, tenant_name, reading=reads)
        return Context(engine=self.parts, styles=self.styles[provider.name], provider=provider,
                       op=op, tenant_name=tenant_name, tenant=tenant, path=path, query=query,
                       body=body, headers=request.headers, base_url=request.base_url,
                       raw_path=request.path, raw_query=request.query.decode("latin-1"),
                       now=self.clock.now(), proceed=route.generic)

    def serve(self, request: Request) -> Exchange:
        """The one pipeline of a provider request, whatever carries it: the body limit, then
        the fault rules, then (see Exchange) the answer, encoded and journalled."""
        if request.too_large or len(request.body) > self.config.max_body_bytes:
            return Exchange(self, request, self.too_large(request))
        fault = self.fault_for(request)
        if fault is None:
            return Exchange(self, request)
        if fault.drop:
            self.journal_drop(fault, request)
            return Exchange(self, request, Outcome(Reply(0, None), fault.provider, None,
                                                   fault.tenant), fault.delay, dropped=True)
        if fault.reply is not None:
            return Exchange(self, request, Outcome(fault.reply, fault.provider, None,
                                                   fault.tenant), fault.delay)
        return Exchange(self, request, delay=fault.delay)

    def fault_for(self, request: Request) -> Decision | None:
        """The fault rule that fires for a request, if any."""
        if not self.faults.rules:
            return None
        provider = self.provider_for(request.path)
        return self.faults.decide(request, provider, lambda: self._tenant_or_none(
            provider, request), self.clock.timestamp())

    def _tenant_or_none(self, provider: Provider | None, request: Request) -> str | None:
        """The tenant a request would act as, or None when it has no valid credentials."""
        match = self.router.match(request.method, request.path)
        if provider is None or match.target is None:
            return None
        try:
            return self.tenant_of(provider, match.target.op, request)
        except ApiError:
            return None

    def too_large(self, request: Request) -> Outcome:
        """413 in the provider's style for a body over the limit."""
        provider = self.provider_for(request.path)
        limit = self.config.max_body_bytes
        error = ApiError(413, [Problem(("body",), f"the request body is over {limit} bytes",
                                       "too_large")], title="Payload Too Large")
        body = provider.render_error(error) if provider else {"error": error.summary()}
        return Outcome(Reply(413, body), provider, None, None)

    def journal_drop(self, decision: Decision, request: Request) -> None:
        """Journal a dropped request: status 0, no answer."""
        self.journal.add(
            time=self.clock.timestamp(), provider=decision.provider.name,
            tenant=decision.tenant, method=request.method, path=request.path,
            query=request.query.decode("latin-1"), headers=request.headers, body=request.body,
            status=0, response=b"", operation=None)

    def finish(self, outcome: Outcome, request: Request
               ) -> tuple[Outcome, list[tuple[str, str]], bytes]:
        """Encode an outcome, add the standard headers and write it into the journal."""
        reply = outcome.reply
        payload = encode_for(outcome.provider.omit_nulls if outcome.provider else False, reply)
        media = reply.media_type or (outcome.provider.media_type if outcome.provider
                                     else "application/json")
        headers = [("content-type", media), ("content-length", str(len(payload))),
                   *reply.headers.items(),
                   *rate_limit_headers(self.store, self.clock, outcome.provider,
                                       outcome.tenant, reply.headers)]
        self.record(outcome, request, payload)
        if request.method == "HEAD":
            payload = b""
        return outcome, headers, payload

    def replay_of(self, request: Request, outcome: Outcome, headers: list[tuple[str, str]],
                  payload: bytes) -> Replay | None:
        """What to keep of a served request to replay its answer, if it may be replayed."""
        provider, op = outcome.provider, outcome.op
        if (not outcome.replayable or provider is None or op is None or request.body
                or outcome.reply.status != 200 or self.faults.rules):
            return None
        given = outcome.reply.headers
        counted = provider.spec.ext["conventions"].get("rate_limit") is not None
        kept = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers
                if not (counted and name.startswith("x-ratelimit-") and name not in given)]
        return Replay(self.store.generation, self._valid_until(provider, request), 200, kept,
                      payload, provider.name, outcome.tenant, op.spec.operation_id,
                      request.path, request.query.decode("latin-1"), request.headers, counted,
                      dict(given))

    def _valid_until(self, provider: Provider, request: Request) -> float:
        """Until when (sandbox clock) the request's credentials name the same tenant: the
        expiry of an OAuth 2 access token the provider issued, else for ever."""
        token = bearer_token(request.headers) if provider.auth["scheme"] == "oauth2" else None
        shared = self.store.shared.get(provider.name)
        if token is None or shared is None or token not in shared.get("tokens", {}):
            return math.inf
        grant = TokenStore(shared).find(token)
        return math.inf if grant is None or grant.expires is None else float(grant.expires)

    def replayed(self, replay: Replay) -> list[tuple[bytes, bytes]] | None:
        """The headers of a kept answer replayed now (journalled and counted as if served),
        or None when it may not be: a fault rule is set, a timed move is due or the
        credentials expired."""
        now = self.clock.timestamp()
        due = self.store.next_due()
        if self.faults.rules or (due is not None and due <= now) or now >= replay.valid_until:
            return None
        if replay.tenant is not None:
            self.store.touch(replay.provider, replay.tenant)
        self.journal.add(
            time=now, provider=replay.provider, tenant=replay.tenant, method="GET",
            path=replay.path, query=replay.query, headers=replay.request_headers, body=b"",
            status=replay.status, response=replay.payload, operation=replay.operation)
        if not replay.counted:
            return replay.headers
        counted = rate_limit_headers(self.store, self.clock, self.providers[replay.provider],
                                     replay.tenant, replay.reply_headers)
        return [*replay.headers, *((name.encode("latin-1"), value.encode("latin-1"))
                                   for name, value in counted)]

    def record(self, outcome: Outcome, request: Request, payload: bytes) -> None:
        """Write a served request into the journal."""
        self.journal.add(
            time=self.clock.timestamp(),
            provider=outcome.provider.name if outcome.provider else "",
            tenant=outcome.tenant, method=request.method, path=request.path,
            query=request.query.decode("latin-1"), headers=request.headers, body=request.body,
            status=outcome.reply.status, response=payload,
            operation=outcome.op.spec.operation_id if outcome.op else None)



class Exchange:
    """A request on its way: wait `delay` seconds (a latency fault), then either cut the
    connection (`dropped`, the outcome has status 0) or send `answer()`: status, headers and
    payload. `outcome` says what served it once answered (for the request log)."""

    __slots__ = ("_outcome", "delay", "dropped", "request", "runtime")

    def __init__(self, runtime: Runtime, request: Request, outcome: Outcome | None = None,
                 delay: float = 0.0, dropped: bool = False) -> None:
        self.runtime = runtime
        self.request = request
        self._outcome = outcome
        self.delay = delay
        self.dropped = dropped

    @property
    def outcome(self) -> Outcome:
        """The outcome of the request (it is served on first use)."""
        if self._outcome is None:
            self._outcome = self.runtime.handle(self.request)
        return self._outcome

    def answer(self) -> tuple[int, list[tuple[str, str]], bytes]:
        """Serve the request (unless a fault answered already), encode and journal it."""
        outcome = self.outcome
        _, headers, payload = self.runtime.finish(outcome, self.request)
        return outcome.reply.status, headers, payload
