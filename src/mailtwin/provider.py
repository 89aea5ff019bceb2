"""A provider compiled from its spec: conventions resolved, resources and hooks ready."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mailtwin.conventions.auth import SCHEMES, Authenticator
from mailtwin.conventions.envelopes import ENVELOPES, Envelope
from mailtwin.conventions.errors import RENDERERS, ErrorRenderer
from mailtwin.conventions.paging import PAGINATORS, Paginator
from mailtwin.conventions.querying import QUERY_STYLES, QueryStyle
from mailtwin.conventions.timestamps import STYLES, TimestampStyle
from mailtwin.errors import ApiError, Problem, not_found
from mailtwin.lifecycle import Lifecycle
from mailtwin.spec import ProviderSpec
from mailtwin.store import Record, Tenant
from mailtwin.validation import coerce
from mailtwin.yamlsource import SourceError, line_of, pointer_of

if TYPE_CHECKING:
    from mailtwin.context import Context

Hook = Callable[..., Any]

# Status of a validation failure by error style and by the place of the problem.
VALIDATION_STATUS: dict[str, dict[str, int]] = {
    "error-key": {"path": 404, "query": 400, "body": 400, "header": 400},
    "jsonapi": {"path": 404, "query": 400, "body": 422, "header": 400},
    "fastapi": {"path": 422, "query": 422, "body": 422, "header": 422},
    "drf": {"path": 404, "query": 400, "body": 400, "header": 400},
}
MALFORMED_STATUS = {"error-key": 400, "jsonapi": 400, "fastapi": 422, "drf": 400}


def without_nulls(value: Any) -> Any:
    """A copy without null members of objects, at any depth (array items are kept)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


@dataclass
class Resource:
    """A kind of record: its id, scope, lifecycle, views and defaults."""

    name: str
    id_field: str
    id_type: str
    first_id: int
    param: str
    scope: dict[str, str]
    lifecycle: Lifecycle | None
    indexes: tuple[str, ...]
    views: dict[str, tuple[str, ...]]
    defaults: dict[str, Any]
    created: str | None
    updated: str | None
    unique: tuple[str, ...]
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    omit_nulls: bool = False
    # The field a path value names a record by when it is not the id (unique within scope).
    lookup: str | None = None

    def ident(self, text: Any) -> Any:
        """A path value as this resource's id type."""
        if self.id_type == "integer" and isinstance(text, str):
            value = coerce(text, ["integer"])
            return value if isinstance(value, int) else None
        return text

    def in_scope(self, record: Record, path: dict[str, Any]) -> bool:
        """True when the record belongs to the scope the path names (e.g. its account)."""
        for param, name in self.scope.items():
            if param in path and str(record.get(name)) != str(path[param]):
                return False
        return True

    def find(self, ctx: Context, ident: Any) -> Record:
        """The record with this id (or `lookup` value) in the request's scope, or the
        provider's 404."""
        collection = ctx.tenant.collections[self.name]
        if self.lookup is not None:
            for key in collection.ids_where(self.lookup, [ident]):
                if self.in_scope(collection.records[key], ctx.path):
                    return collection.records[key]
            raise not_found(self.label, ident)
        key = self.ident(ident)
        record = collection.get(key) if key is not None else None
        if record is None or not self.in_scope(record, ctx.path):
            raise not_found(self.label, ident)
        return record

    def render(self, record: Record, view: str | None = None,
               extra: tuple[str, ...] = ()) -> Record:
        """A copy of the record projected on a view (all fields when there is none)."""
        fields = self.views.get(view or "detail")
        out = dict(record) if fields is None else {name: record.get(name) for name in fields}
        for name in extra:
            out[name] = record.get(name)
        return without_nulls(out) if self.omit_nulls else out


class Provider:
    """Everything about one provider that does not change while the server runs."""

    def __init__(self, spec: ProviderSpec) -> None:
        conv = spec.conventions
        self.spec = spec
        self.name = spec.name
        self.mount = spec.mount
        self.error_style: str = conv["errors"]
        self.render_error: ErrorRenderer = RENDERERS[conv["errors"]]
        self.authenticate: Authenticator = SCHEMES[conv["auth"]["scheme"]]
        self.paging: dict[str, Any] = dict(conv["pagination"])
        self.paginate: Paginator = PAGINATORS[self.paging["style"]]
        self.envelope: Envelope = ENVELOPES[conv["envelope"]]
        self.style: TimestampStyle = STYLES[conv["timestamps"]]
        self.query_style: QueryStyle = QUERY_STYLES[conv.get("query", "none")]
        self.media_type: str = conv.get("media_type", "application/json")
        self.omit_nulls: bool = bool(conv.get("omit_nulls", False))
        self.lifecycles = {name: self._lifecycle(name, body)
                           for name, body in spec.lifecycles.items()}
        self.resources = {name: self._resource(name, body)
                          for name, body in spec.resources.items()}
        self.hooks: dict[str, Hook] = {}
        # The JSON Schema of the shared state the hooks keep (checked on state imports).
        self.shared_schema: dict[str, Any] | None = None
        if "hooks" in spec.ext:
            try:
                module = importlib.import_module(spec.ext["hooks"])
                self.hooks = dict(module.HOOKS)
                self.shared_schema = getattr(module, "SHARED", None)
            except (ImportError, AttributeError, TypeError, ValueError) as exc:
                at = ("x-mailtwin", "hooks")
                raise SourceError(spec.source, line_of(spec.source, at), pointer_of(at),
                                  f"cannot load hooks {spec.ext['hooks']!r}: {exc}") from exc

    def _lifecycle(self, name: str, body: dict[str, Any]) -> Lifecycle:
        try:
            return Lifecycle(name, body, self.style)
        except ValueError as error:
            at = ("x-mailtwin", "lifecycles", name)
            raise SourceError(self.spec.source, line_of(self.spec.source, at), pointer_of(at),
                              str(error)) from None

    def _resource(self, name: str, body: dict[str, Any]) -> Resource:
        life = body.get("lifecycle")
        lifecycle = self.lifecycles[life] if life else None
        indexes = list(body.get("indexes", []))
        for needed in (lifecycle.field if lifecycle else None, body.get("lookup")):
            if needed is not None and needed not in indexes:
                indexes.append(needed)
        return Resource(
            name=name, id_field=body["id"], id_type=body.get("id_type", "integer"),
            first_id=int(body.get("first_id", 1)), param=body.get("param", body["id"]),
            scope=dict(body.get("scope", {})), lifecycle=lifecycle, indexes=tuple(indexes),
            views={k: tuple(v) for k, v in body.get("views", {}).items()},
            defaults=dict(body.get("defaults", {})), created=body.get("created"),
            updated=body.get("updated"), unique=tuple(body.get("unique", [])),
            label=name.replace("_", " ").capitalize(), omit_nulls=self.omit_nulls,
            lookup=body.get("lookup"),
            extra={key: body[key] for key in ("jsonapi",) if key in body})

    def validation_status(self, place: str) -> int:
        return VALIDATION_STATUS[self.error_style].get(place, 400)

    def malformed_status(self) -> int:
        return MALFORMED_STATUS[self.error_style]

    def empty_tenant(self) -> Tenant:
        """A tenant with an empty collection per resource."""
        from mailtwin.store import Collection

        return Tenant({name: Collection(r.id_field, r.indexes)
                       for name, r in self.resources.items()})

    def hook(self, name: str) -> Hook:
        """A named hook of this provider's module; a spec naming a missing one fails at load."""
        try:
            return self.hooks[name]
        except KeyError:
            raise ApiError(500, [Problem((), f"hook {name!r} is not defined", "server_error")]
                           ) from None
