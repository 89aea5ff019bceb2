"""What a handler or hook receives: a Context (one validated request, with the verbs that read
and change state in its provider's style) or, to authenticate, an AuthContext."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailtwin.clock import Clock
from mailtwin.config import Config
from mailtwin.credentials import Credentials
from mailtwin.delivery.engine import Delivery, Happened, Post
from mailtwin.delivery.message import Message
from mailtwin.errors import ApiError, Location
from mailtwin.events import Event, EventBus
from mailtwin.lifecycle import LifecycleEngine
from mailtwin.listing import Listing, QueryPlan
from mailtwin.oauth2 import Grant, TokenStore
from mailtwin.operation import Operation
from mailtwin.provider import Provider
from mailtwin.rawjson import Raw
from mailtwin.reply import Reply
from mailtwin.resource import Resource
from mailtwin.store import Record, Store, Tenant
from mailtwin.validation import parse_query

Fragment = Callable[[Record], Raw]
Handler = Callable[["Context"], Reply]
Paginator = Callable[["Context", Listing, dict[str, Any]], Reply]
QueryStyle = Callable[["Context"], QueryPlan]


@dataclass(frozen=True)
class Envelope:
    """wrap: rendered record -> body; unwrap: body -> (fields, where those fields live);
    cached: a stored record -> body holding its cached JSON (given the operation's own cached
    rendering, which an envelope showing records in another shape may ignore)."""

    wrap: Callable[[Context, Resource, Any], Any]
    unwrap: Callable[[Context, Any], tuple[dict[str, Any], Location]]
    cached: Callable[[Context, Resource, Record, Fragment], Any]


@dataclass(frozen=True)
class Styles:
    """A provider's request-dependent conventions, resolved by name (conventions/styles.py)."""

    envelope: Envelope
    paginate: Paginator
    query: QueryStyle


# The tenant a provider's auth names for some headers and a query string (or its 401 / 403).
Authenticator = Callable[[Provider, dict[str, str], bytes], str]


@dataclass(frozen=True)
class Engine:
    """The parts of a running sandbox that a request reaches through its Context."""

    store: Store
    lifecycles: LifecycleEngine
    clock: Clock
    events: EventBus
    authenticate: Authenticator
    config: Callable[[], Config]
    # The credentials a provider knows, in its configured mode.
    credentials: Callable[[Provider], Credentials]
    delivery: Delivery
    # (provider, tenant, resource, created|updated|deleted|acted) -> whether anyone (a
    # webhook subscription) wants that change on the event bus as `record.<change>`.
    watches: Callable[[str, str, str, str], bool] = lambda *_: False

    def changed(self, provider: str, tenant: str, spec: Resource, change: str, record: Record,
                moment: datetime, action: str | None = None) -> None:
        """Put a record's change on the event bus (`record.created`, `record.updated`,
        `record.deleted`, `record.acted` with its `action`) when someone (a webhook
        subscription) wants it."""
        if self.watches(provider, tenant, spec.name, change):
            data = {"resource": spec.name, "id": record.get(spec.id_field),
                    "record": spec.render(record)}
            if action is not None:
                data["action"] = action
            self.events.emit(f"record.{change}", provider, tenant, moment.timestamp(), data)

    def tokens(self, provider: Provider) -> TokenStore:
        """The OAuth 2 tokens a provider issued, with its declared lifetimes and the bound."""
        return TokenStore(self.store.shared_state(provider.name), provider.auth,
                          self.config().max_tokens)


_PATH: Any = object()  # `require` reads the id from the path


class Context:
    """One validated request, bound to its provider, operation and tenant.

    Attributes: `provider`, `op`, `tenant_name`, `tenant`, `path` / `query` (coerced
    parameters), `body` (parsed), `headers`, `base_url`, `raw_path`, `raw_query`, `now`.
    The methods are the verbs a hook needs; none of them hands out the runtime.
    """

    __slots__ = ("_engine", "_proceed", "_stamp", "_styles", "base_url", "body", "headers",
                 "now", "op", "path", "provider", "query", "raw_path", "raw_query", "tenant",
                 "tenant_name")

    def __init__(self, *, engine: Engine, styles: Styles, provider: Provider, op: Operation,
                 tenant_name: str, tenant: Tenant, path: dict[str, Any], query: dict[str, Any],
                 body: Any, headers: dict[str, str], base_url: str, raw_path: str,
                 raw_query: str, now: datetime, proceed: Handler | None = None) -> None:
        self._engine = engine
        self._styles = styles
        self._proceed = proceed
        self._stamp: Any = None
        self.provider = provider
        self.op = op
        self.tenant_name = tenant_name
        self.tenant = tenant
        self.path = path
        self.query = query
        self.body = body
        self.headers = headers
        self.base_url = base_url
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.now = now

    # -- the request ------------------------------------------------------------------

    def fields(self) -> dict[str, Any]:
        """The body as a mapping: a copy of the JSON object (empty for any other body)."""
        return dict(self.body) if isinstance(self.body, dict) else {}

    def stamp(self) -> Any:
        """The current moment in the provider's timestamp style (one value per request, so
        the records it stamps share it)."""
        if self._stamp is None:
            self._stamp = self.provider.style.format(self.now)
        return self._stamp

    def url(self, path: str, query: str = "") -> str:
        """An absolute URL on this server."""
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")

    @property
    def clock(self) -> Clock:
        """The sandbox clock."""
        return self._engine.clock

    @property
    def tokens(self) -> TokenStore:
        """The OAuth 2 tokens the provider issued, with its declared lifetimes: `issue`,
        `find`, `revoke` (conventions.auth, scheme oauth2)."""
        return self._engine.tokens(self.provider)

    @property
    def credentials(self) -> Credentials:
        """The users and tokens the provider knows, in its mode: `tenant_for(user,
        password)` for a login, `register(user, password, tenant)` for a user the API made."""
        return self._engine.credentials(self.provider)

    def grant(self) -> Grant | None:
        """The grant of the request's bearer token, when the provider issued it."""
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.tokens.find(token.strip())

    @property
    def config(self) -> Config:
        """The sandbox's configuration (its limits: `max_links`, `link_seconds`, ...)."""
        return self._engine.config()

    def authenticated(self) -> str:
        """The tenant the request's credentials name as the provider authenticates them (its
        401 / 403 otherwise), for an operation that takes none but reads them when given."""
        return self._engine.authenticate(self.provider, self.headers,
                                         self.raw_query.encode("latin-1"))

    @property
    def shared(self) -> dict[str, Any]:
        """The provider-wide state (not any one tenant's), cleared by a reset."""
        return self._engine.store.shared_state(self.provider.name)

    # -- records ----------------------------------------------------------------------

    def resource(self, name: str | None = None) -> Resource:
        """A resource of the provider by name; without one, the operation's resource."""
        if name is not None:
            return self.provider.resources[name]
        if self.op.resource is None:
            raise LookupError(f"operation {self.op.spec.operation_id} has no resource")
        return self.op.resource

    def record(self, resource: str, ident: Any, tenant: Tenant | None = None) -> Record | None:
        """A record by id (`"7"` finds 7), whatever the path's scope, or None."""
        return self.provider.resources[resource].get(tenant or self.tenant, ident)

    def records(self, resource: str, **fields: Any) -> list[Record]:
        """This tenant's records of a resource whose fields hold the values given (compared
        as text), in insertion order: `ctx.records("contact", list_id=7)`."""
        return self.tenant.where(resource, **fields)

    def require(self, resource: str | None = None, ident: Any = _PATH) -> Record:
        """The record with this id (by default the path's) in the path's scope, or the
        provider's 404."""
        spec = self.op.resource if resource is None else self.provider.resources[resource]
        if spec is None:
            raise LookupError(f"operation {self.op.spec.operation_id} has no resource")
        if ident is _PATH:
            ident = self.path.get(spec.param)
        return spec.find(self.tenant, self.path, ident)

    def require_path(self) -> None:
        """The records the path names must exist (their 404s, in path order): the
        operation's own, and those of the resources whose parameter the path holds."""
        own = self.op.resource
        for param, value in self.path.items():
            name = own.name if own is not None and own.param == param else \
                self.provider.path_owners.get(param)
            if name is not None:
                self.require(name, value)

    def new(self, resource: str | None, fields: Record) -> Record:
        """A record from the resource's defaults, the path's scope and the fields, with an
        id, stamps and the initial state; not stored yet (see insert)."""
        spec = self.resource(resource)
        scoped = {name: self.path[param] for param, name in spec.scope.items()
                  if param in self.path}
        return spec.new_record(self.tenant, {**scoped, **fields}, self.stamp())

    def insert(self, resource: str | None, record: Record) -> Record:
        """Store a new record and plan its timed moves."""
        spec = self.resource(resource)
        self.tenant.collections[spec.name].insert(record)
        self._engine.lifecycles.entered(self.provider.name, self.tenant_name, self.tenant,
                                        spec.name, record, self.now)
        self._changed("created", spec, record, self.tenant_name)
        return record

    def create(self, resource: str | None, fields: Record) -> Record:
        """A new record of a resource (see new), stored."""
        return self.insert(resource, self.new(resource, fields))

    def apply(self, resource: str | None, record: Record, changes: Record,
              tenant: str | None = None) -> Record:
        """Store changes to a record (in this tenant or the one named), stamping its
        `updated` field; a change of its state is a move: listeners, events, timers."""
        spec = self.resource(resource)
        if spec.updated:
            changes[spec.updated] = self.stamp()
        name = self.tenant_name if tenant is None else tenant
        held = self.tenant if tenant is None else self.tenant_of(tenant)
        state = spec.lifecycle.field if spec.lifecycle is not None else None
        before = record.get(state) if state is not None else None
        updated = self._engine.lifecycles.apply(self.provider.name, name, held, spec.name,
                                                record[spec.id_field], changes, self.now)
        if state is None or updated.get(state) == before:  # a move is an event of its own
            self._changed("updated", spec, updated, name)
        return updated

    def plan(self, record: Record, action: str, resource: str | None = None) -> Record:
        """The changes a lifecycle action makes to a record, or its declared refusal."""
        spec = self.resource(resource)
        if spec.lifecycle is None:
            raise LookupError(f"{spec.name} has no lifecycle")
        return spec.lifecycle.act(record, action, record[spec.id_field], self.now)

    def move(self, record: Record, action: str, resource: str | None = None, *,
             also: Record | None = None, tenant: str | None = None) -> Record:
        """Make a lifecycle action (refused as the lifecycle declares), with `also` changed
        on the way (see apply), and announce it (see announce)."""
        changes = self.plan(record, action, resource)
        changes.update(also or {})
        updated = self.apply(resource, record, changes, tenant)
        self.announce(updated, action, resource, tenant=tenant)
        return updated

    def announce(self, record: Record, action: str, resource: str | None = None, *,
                 tenant: str | None = None) -> None:
        """Say that `action` happened to a record (of this tenant or the one named): a
        lifecycle action (move does it), or what a hook does that changes no state (a tag
        added, a sender confirmed, a user logged in). Webhook triggers `{acted: resource,
        action: name}` fire on it."""
        spec = self.resource(resource)
        self._engine.changed(self.provider.name, self.tenant_name if tenant is None else tenant,
                             spec, "acted", record, self.now, action)

    def retime(self, record: Record, resource: str | None = None) -> None:
        """Plan the record's timed moves again (after a change of the time they follow)."""
        spec = self.resource(resource)
        self._engine.lifecycles.entered(self.provider.name, self.tenant_name, self.tenant,
                                        spec.name, record, self.now)

    def hold(self, record: Record, resource: str | None = None) -> None:
        """Drop the record's pending timed moves (retime plans them again)."""
        spec = self.resource(resource)
        self._engine.lifecycles.hold(self.tenant, spec.name, record[spec.id_field])

    def delete(self, resource: str | None, record: Record) -> None:
        """Remove a record."""
        spec = self.resource(resource)
        self.tenant.collections[spec.name].delete(record[spec.id_field])
        self._changed("deleted", spec, record, self.tenant_name)

    def _changed(self, change: str, spec: Resource, record: Record, tenant: str) -> None:
        self._engine.changed(self.provider.name, tenant, spec, change, record, self.now)

    # -- tenants ----------------------------------------------------------------------

    def tenant_of(self, name: str) -> Tenant:
        """Another tenant of this provider by name, created from the fixtures on first use."""
        return self._engine.store.tenant(self.provider.name, name)

    def peek_tenant(self, name: str) -> Tenant | None:
        """Another tenant of this provider if it exists, without creating it."""
        return self._engine.store.peek(self.provider.name, name)

    def tenants(self) -> Iterator[tuple[str, Tenant]]:
        """Every tenant of this provider that exists, by name."""
        for (provider, name), tenant in list(self._engine.store.tenants.items()):
            if provider == self.provider.name:
                yield name, tenant

    def drop_tenant(self, name: str) -> None:
        """Forget a tenant of this provider (it comes back from the fixtures)."""
        self._engine.store.reset(self.provider.name, name)

    # -- answers ----------------------------------------------------------------------

    def refuse(self, message: str, location: Location = ("body",),
               status: int | None = None) -> ApiError:
        """A refusal in the provider's style (raise it): `raise ctx.refuse("...", ("body",
        "name"))`."""
        return self.provider.refuse(message, location, status)

    # -- messages ---------------------------------------------------------------------

    def post(self) -> Post:
        """The delivery verbs of this tenant at this request's moment."""
        return Post(self._engine.delivery, self.provider.name, self.tenant_name, self.tenant,
                    self.now)

    def send_message(self, **message: Any) -> Message | None:
        """Hand one message to one recipient to the delivery engine, sent now:
        `ctx.send_message(to=..., subject=..., html=..., text=..., sender=..., sender_name=...,
        reply_to=..., mailing=("campaign", 7), values={...}, meta={...})`. `values` fill the
        placeholders of the provider's declared personalization syntax when the message is
        read; `meta` is kept for the provider's reports. Its `sent` event happens at once, the
        rest on the clock, by the seeded model; None when the provider's declared
        suppressions hold the address (no message)."""
        return self.post().send(**message)

    def messages(self, resource: str | None = None, mailing: Any = None,
                 tenant: Tenant | None = None, **meta: Any) -> list[Message]:
        """This tenant's (or the given tenant's) messages, oldest first: of a mailing
        resource, one mailing, and with the meta values given (`ctx.messages("campaign", 7,
        list_id=3)`)."""
        return self._engine.delivery.messages(tenant or self.tenant, resource, mailing, **meta)

    def message_events(self, resource: str | None = None, mailing: Any = None,
                       types: Iterable[str] | None = None, tenant: Tenant | None = None,
                       **meta: Any) -> list[Happened]:
        """The events that happened so far to the messages `messages` chooses (of some types
        only), in time order, as (message, type, at, detail)."""
        return self._engine.delivery.events(self.messages(resource, mailing, tenant, **meta),
                                            types)

    def emit(self, kind: str, **data: Any) -> Event:
        """Tell the event bus something happened in this tenant (`ctx.emit("email.sent",
        id=7)`); subscribers (delivery, webhooks, the dashboard) see it."""
        return self._engine.events.emit(kind, self.provider.name, self.tenant_name,
                                        self.now.timestamp(), data)

    def render(self, record: Record, resource: str | None = None,
               view: str | None = None) -> Any:
        """A record as shown: the view given, else the operation's view and included
        fields (for its own resource), else `detail`."""
        spec = self.resource(resource)
        if view is None and resource is None:
            return spec.render(record, self.op.ext.get("view"), self.includes())
        return spec.render(record, view)

    def includes(self) -> tuple[str, ...]:
        """Extra fields asked for with boolean flags (`with_html_body=true`)."""
        extra: list[str] = []
        for param, fields in self.op.ext.get("include", {}).items():
            if self.query.get(param) is True:
                extra.extend(fields)
        return tuple(extra)

    def respond(self, record: Record | None, default_status: int = 200,
                default: Callable[[], Any] | None = None) -> Reply:
        """The operation's declared answer (`respond`), or the envelope's default one."""
        resource = self.resource()
        status = self.op.respond_status or default_status
        if self.op.respond_page and record is not None:
            return Reply(status, media_type="text/html; charset=utf-8",
                         raw=str(_first_text(record, self.op.respond_page)).encode("utf-8"))
        template = self.op.respond_body
        if template is None:
            if default is not None:
                return Reply(status, default())
            if record is None:
                return Reply(status, None)
            return Reply(status, self._styles.envelope.wrap(self, resource,
                                                            self.render(record)))
        return Reply(status, self._fill(template, resource, record))

    def _fill(self, template: Any, resource: Resource, record: Record | None) -> Any:
        """Replace `$record`, `$id`, `$state`, `$field:NAME`, `$true`, `$false`."""
        if isinstance(template, dict):
            return {key: self._fill(value, resource, record) for key, value in template.items()}
        if isinstance(template, list):
            return [self._fill(value, resource, record) for value in template]
        if not isinstance(template, str) or not template.startswith("$"):
            return template
        if template in ("$true", "$false"):
            return template == "$true"
        if record is None:
            return None
        if template == "$record":
            return self.render(record)
        if template == "$id":
            return record.get(resource.id_field)
        if template == "$state" and resource.lifecycle is not None:
            return record.get(resource.lifecycle.field)
        if template.startswith("$field:"):
            return record.get(template[7:])
        return template

    def wrap(self, resource: Resource, rendered: Any) -> Any:
        """A rendered record in the provider's envelope."""
        return self._styles.envelope.wrap(self, resource, rendered)

    def unwrap(self) -> tuple[dict[str, Any], Location]:
        """The body's record fields (out of the provider's envelope) and where they live."""
        return self._styles.envelope.unwrap(self, self.body)

    def cached(self, resource: Resource, record: Record, fragment: Fragment) -> Any:
        """The envelope's answer for a record, holding its cached JSON."""
        return self._styles.envelope.cached(self, resource, record, fragment)

    def query_plan(self) -> QueryPlan:
        """The predicates and order the provider's query language reads from the request."""
        return self._styles.query(self)

    def page(self, listing: Listing, paging: dict[str, Any] | None = None) -> Reply:
        """A page of a listing in the provider's pagination style (or the one given)."""
        return self._styles.paginate(self, listing, paging or self.provider.paging)

    def paginate_with(self, style: Paginator, listing: Listing) -> Reply:
        """A listing paged by another style than the provider's."""
        return style(self, listing, self.provider.paging)

    def proceed(self) -> Reply:
        """The generic handler of the operation's kind: a hook that only adds checks (or
        changes the body) ends with `return ctx.proceed()`."""
        if self._proceed is None:
            raise LookupError(f"operation {self.op.spec.operation_id} has no generic handler")
        return self._proceed(self)


class AuthContext:
    """What an authenticate hook receives: the request's credentials, what the provider's
    declared scheme makes of them, and the provider's tenants."""

    __slots__ = ("_engine", "_query", "_raw_query", "_scheme", "headers", "provider")

    def __init__(self, *, engine: Engine, provider: Provider, headers: dict[str, str],
                 raw_query: bytes, scheme: Callable[[AuthContext], str]) -> None:
        self._engine = engine
        self._raw_query = raw_query
        self._query: dict[str, str] | None = None
        self._scheme = scheme
        self.provider = provider
        self.headers = headers

    def scheme(self) -> str:
        """The tenant the provider's declared auth scheme gives (or its 401)."""
        return self._scheme(self)

    def param(self, name: str) -> str | None:
        """A query parameter as text (the last when repeated), or None."""
        if self._query is None:
            self._query = dict(parse_query(self._raw_query))
        return self._query.get(name)

    @property
    def settings(self) -> dict[str, Any]:
        """The provider's declared auth convention (`conventions.auth`)."""
        return self.provider.auth

    @property
    def tokens(self) -> TokenStore:
        """The OAuth 2 tokens the provider issued (see Context.tokens)."""
        return self._engine.tokens(self.provider)

    @property
    def credentials(self) -> Credentials:
        """The users and tokens the provider knows, in its mode (see Context.credentials)."""
        return self._engine.credentials(self.provider)

    @property
    def clock(self) -> Clock:
        return self._engine.clock

    @property
    def shared(self) -> dict[str, Any]:
        """The provider-wide state (issued tokens and the like)."""
        return self._engine.store.shared_state(self.provider.name)

    def tenant_of(self, name: str) -> Tenant:
        """A tenant of this provider by name, created from the fixtures on first use."""
        return self._engine.store.tenant(self.provider.name, name)


def _first_text(record: Record, pointers: tuple[str, ...]) -> Any:
    """The first non-empty value the pointers name in a record (`/content/html`), else ""."""
    for pointer in pointers:
        node: Any = record
        for part in pointer.strip("/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        if node:
            return node
    return ""
