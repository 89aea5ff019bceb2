"""The generic handlers, one per operation kind: list, create, get, update, replace, delete,
action and related. Each checks everything before it changes anything."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mailtwin import rawjson
from mailtwin.context import Context, Reply
from mailtwin.errors import ApiError, Problem
from mailtwin.listing import FieldIn, Listing, Order, Predicate, cached_json, sort_value
from mailtwin.provider import Resource
from mailtwin.rawjson import Raw
from mailtwin.store import Collection, Record

PAGES_KEPT = 64


def resource_of(ctx: Context) -> Resource:
    resource = ctx.op.resource
    assert resource is not None, "compile_operation guarantees a resource"
    return resource


def includes(ctx: Context) -> tuple[str, ...]:
    """Extra fields asked for with boolean flags (`with_html_body=true`)."""
    extra: list[str] = []
    for param, fields in ctx.op.ext.get("include", {}).items():
        if ctx.query.get(param) is True:
            extra.extend(fields)
    return tuple(extra)


def render(ctx: Context, record: Record) -> Any:
    """A record as the operation shows it (view plus included fields)."""
    return resource_of(ctx).render(record, ctx.op.ext.get("view"), includes(ctx))


def respond(ctx: Context, record: Record | None, default_status: int = 200,
            default: Callable[[], Any] | None = None) -> Reply:
    """The operation's declared answer, or the envelope's default one."""
    resource = resource_of(ctx)
    status = ctx.op.respond_status or default_status
    template = ctx.op.respond_body
    if template is None:
        if default is not None:
            return Reply(status, default())
        if record is None:
            return Reply(status, None)
        return Reply(status, ctx.provider.envelope.wrap(ctx, resource, render(ctx, record)))
    return Reply(status, fill(template, ctx, resource, record))


def fill(template: Any, ctx: Context, resource: Resource, record: Record | None) -> Any:
    """Replace `$record`, `$id`, `$state`, `$field:NAME`, `$true`, `$false` in a template."""
    if isinstance(template, dict):
        return {key: fill(value, ctx, resource, record) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, ctx, resource, record) for value in template]
    if not isinstance(template, str) or not template.startswith("$"):
        return template
    if template == "$true":
        return True
    if template == "$false":
        return False
    if record is None:
        return None
    if template == "$record":
        return render(ctx, record)
    if template == "$id":
        return record.get(resource.id_field)
    if template == "$state" and resource.lifecycle is not None:
        return record.get(resource.lifecycle.field)
    if template.startswith("$field:"):
        return record.get(template[7:])
    return template


def _filter(spec: dict[str, Any], value: Any, given: bool) -> Predicate | None:
    """A predicate for one declared filter and its (coerced) parameter value."""
    name, op = spec["field"], spec["op"]
    if op == "hide-present":
        if value is True:
            return None
        return lambda r: r.get(name) is None
    if not given:
        if "default" not in spec:
            return None
        value = spec["default"]
    if op == "eq":
        return lambda r: r.get(name) == value
    if op == "in":
        wanted = set(value if isinstance(value, list) else [value])
        return lambda r: r.get(name) in wanted
    if op == "present":
        return (lambda r: r.get(name) is not None) if value else (lambda r: r.get(name) is None)
    raise ValueError(op)


def _scope_test(field: str, value: Any) -> Predicate:
    """Records whose field equals a path value (compared as text: paths carry text)."""
    text = str(value)
    return lambda r: str(r.get(field)) == text


def _order(ctx: Context) -> bool:
    """True for newest first (`order: -id`)."""
    return str(ctx.op.ext.get("order", "")).startswith("-")


def listing(ctx: Context, extra: list[Predicate] | None = None) -> Listing:
    """The filtered, ordered records a list operation answers with."""
    resource = resource_of(ctx)
    collection = ctx.tenant.collections[resource.name]
    reverse = _order(ctx)
    predicates: list[Predicate] = []
    ids: Any = None
    for param, field in resource.scope.items():
        if param in ctx.path:
            predicates.append(_scope_test(field, ctx.path[param]))
    for spec in ctx.op.ext.get("filters", []):
        given = spec["param"] in ctx.query
        value = ctx.query.get(spec["param"])
        if ids is None and spec["op"] in ("in", "eq") and spec["field"] in collection.index:
            chosen = value if given else spec.get("default")
            if chosen is not None:
                ids = collection.ids_where(spec["field"],
                                           chosen if isinstance(chosen, list) else [chosen],
                                           reverse)
                continue
        predicate = _filter(spec, value, given)
        if predicate is not None:
            predicates.append(predicate)
    predicates.extend(extra or [])
    plan = ctx.provider.query_style(ctx)
    for predicate in plan.predicates:
        narrowed = _from_index(collection, predicate, reverse) if ids is None else None
        if narrowed is None:
            predicates.append(predicate)
        else:
            ids = narrowed
    if ids is None:
        ids = collection.ids(reverse)
    if plan.order:
        ids = sort_ids(collection.records, ids, plan.order)
    return Listing(collection, ids, predicates, lambda r: render(ctx, r), fragment(ctx),
                   Order(tuple(plan.order), reverse))


def _from_index(collection: Collection, predicate: Predicate, reverse: bool
                ) -> Iterable[Any] | None:
    """The ids a FieldIn predicate selects, read from the field's index, when the index
    answers it exactly (no list values indexed by their text); else None."""
    if not isinstance(predicate, FieldIn) or predicate.field not in collection.index:
        return None
    keys = list(collection.index[predicate.field])
    if any(isinstance(key, str) and key[:1] in ("[", "{") for key in keys):
        return None
    chosen = [key for key in keys if predicate.text(key) in predicate.wanted]
    return collection.ids_where(predicate.field, chosen, reverse) if chosen else []


def fragment(ctx: Context) -> Callable[[Record], Raw]:
    """Records as cached JSON bytes, for the operation's view and included fields."""
    resource = resource_of(ctx)
    view, extra = ctx.op.ext.get("view"), includes(ctx)
    return cached_json(ctx.tenant.collections[resource.name], (view, extra),
                       lambda record: resource.render(record, view, extra))


def sort_ids(records: dict[Any, Record], ids: Any, order: list[tuple[str, bool]]) -> list[Any]:
    """Ids sorted by several fields, each ascending or descending; nulls sort first."""
    ordered = list(ids)
    for name, descending in reversed(order):
        ordered.sort(key=_sort_key(records, name), reverse=descending)
    return ordered


def _sort_key(records: dict[Any, Record], name: str) -> Callable[[Any], tuple[int, Any]]:
    return lambda ident: sort_value(records[ident].get(name))


def list_(ctx: Context) -> Reply:
    """A page of records, in the provider's pagination style."""
    parent = ctx.op.ext.get("parent")
    if parent:
        owner = ctx.provider.resources[parent["resource"]]
        owner.find(ctx, ctx.path.get(owner.param))
    if ctx.op.handler is not list_:
        # A hook around this handler may still change the answer: nothing to cache.
        return ctx.provider.paginate(ctx, listing(ctx), ctx.provider.paging)
    # A page depends only on the collection, the request and the server's address, so an
    # unchanged collection answers a repeated request from its cache.
    collection = ctx.tenant.collections[resource_of(ctx).name]
    key = (id(ctx.op), ctx.raw_query, ctx.base_url, tuple(sorted(ctx.path.items())))
    cached = collection.pages.get(key)
    if cached is not None:
        return Reply(cached.status, None, dict(cached.headers), cached.media_type, cached.raw)
    reply = ctx.provider.paginate(ctx, listing(ctx), ctx.provider.paging)
    if reply.status == 200:
        from mailtwin.runtime import encode_for

        reply.raw = encode_for(ctx.provider, reply)
        if len(collection.pages) >= PAGES_KEPT:
            collection.pages.clear()
        collection.pages[key] = reply
    return reply


def get(ctx: Context) -> Reply:
    """One record; its JSON is cached on the collection until the record changes."""
    resource = resource_of(ctx)
    record = resource.find(ctx, ctx.path.get(resource.param))
    if ctx.op.respond_body is not None:
        return respond(ctx, record)
    # The answer depends only on the record, the operation, the query and the server's
    # address: it is kept, as bytes, until the record changes.
    answer = cached_json(ctx.tenant.collections[resource.name],
                         ("get", id(ctx.op), ctx.raw_query, ctx.base_url),
                         lambda found: ctx.provider.envelope.cached(ctx, resource, found,
                                                                    fragment(ctx)),
                         encode=rawjson.dumps)
    return Reply(ctx.op.respond_status or 200, raw=answer(record))


def check_unique(ctx: Context, resource: Resource, fields: Record, location: tuple[Any, ...],
                 ignore: Any = None) -> None:
    """409-free uniqueness: a 400/422 on the field that repeats another record's value."""
    collection = ctx.tenant.collections[resource.name]
    for name in resource.unique:
        if name not in fields:
            continue
        for ident, record in collection.records.items():
            if ident != ignore and record.get(name) == fields[name]:
                raise ApiError(ctx.provider.validation_status("body"), [Problem(
                    (*location, name), f"a {resource.label.lower()} with this {name} already "
                    "exists", "unique")])


def new_record(ctx: Context, resource: Resource, fields: Record) -> Record:
    """A record from defaults, the path's scope, the given fields, id, stamps, initial state."""
    tenant = ctx.tenant
    record: Record = dict(resource.defaults)
    for param, name in resource.scope.items():
        if param in ctx.path:
            record[name] = ctx.path[param]
    record.update(fields)
    if resource.id_type == "integer":
        record[resource.id_field] = tenant.next_id(resource.name, resource.first_id)
    elif record.get(resource.id_field) in (None, ""):
        record[resource.id_field] = f"{resource.name}_{tenant.next_id(resource.name, 1)}"
    stamp = ctx.stamp()
    for stamped in (resource.created, resource.updated):
        if stamped:
            record[stamped] = stamp
    if resource.lifecycle is not None and resource.lifecycle.field not in record:
        record[resource.lifecycle.field] = resource.lifecycle.initial
    return record


def insert(ctx: Context, resource: Resource, record: Record) -> Record:
    """Store a new record and plan its timed moves."""
    ctx.tenant.collections[resource.name].insert(record)
    ctx.runtime.engine.entered(ctx.provider.name, ctx.tenant_name, ctx.tenant, resource.name,
                               record, ctx.now)
    return record


def create(ctx: Context) -> Reply:
    """A new record from the body."""
    resource = resource_of(ctx)
    fields, location = ctx.provider.envelope.unwrap(ctx, ctx.body)
    check_unique(ctx, resource, fields, location)
    record = insert(ctx, resource, new_record(ctx, resource, fields))
    return respond(ctx, record, 201)


def change(ctx: Context, replace: bool) -> Reply:
    """Merge (PATCH) or replace (PUT) the body's fields into a record."""
    resource = resource_of(ctx)
    record = resource.find(ctx, ctx.path.get(resource.param))
    fields, location = ctx.provider.envelope.unwrap(ctx, ctx.body)
    ident = record[resource.id_field]
    fields.pop(resource.id_field, None)
    check_unique(ctx, resource, fields, location, ignore=ident)
    if replace:
        keep = {resource.id_field, resource.created, *resource.scope.values()}
        fields = {**{k: None for k in record if k not in keep}, **fields}
    if resource.updated:
        fields[resource.updated] = ctx.stamp()
    ctx.runtime.engine.apply(ctx.provider.name, ctx.tenant_name, ctx.tenant, resource.name,
                             ident, fields, ctx.now)
    return respond(ctx, record)


def update(ctx: Context) -> Reply:
    return change(ctx, replace=False)


def replace(ctx: Context) -> Reply:
    return change(ctx, replace=True)


def delete(ctx: Context) -> Reply:
    """Remove a record."""
    resource = resource_of(ctx)
    record = resource.find(ctx, ctx.path.get(resource.param))
    ctx.tenant.collections[resource.name].delete(record[resource.id_field])
    return respond(ctx, record, 204, default=lambda: None)


def action_name(ctx: Context) -> str:
    """The lifecycle action: declared, mapped from a body field, or the path's last segment."""
    ext = ctx.op.ext
    mapping = ext.get("action_from")
    if mapping is not None:
        value = ctx.body.get(mapping["body"]) if isinstance(ctx.body, dict) else None
        if value not in mapping["map"]:
            allowed = ", ".join(sorted(mapping["map"]))
            raise ApiError(ctx.provider.validation_status("body"), [Problem(
                ("body", mapping["body"]), f"must be one of {allowed}", "enum")])
        return str(mapping["map"][value])
    declared = ext.get("action")
    return str(declared) if declared else ctx.op.spec.path.rstrip("/").rsplit("/", 1)[-1]


def action(ctx: Context) -> Reply:
    """A lifecycle move, refused as the lifecycle declares when the state does not allow it."""
    resource = resource_of(ctx)
    assert resource.lifecycle is not None
    record = resource.find(ctx, ctx.path.get(resource.param))
    ident = record[resource.id_field]
    changes = resource.lifecycle.act(record, action_name(ctx), ident, ctx.now)
    if resource.updated:
        changes[resource.updated] = ctx.stamp()
    ctx.runtime.engine.apply(ctx.provider.name, ctx.tenant_name, ctx.tenant, resource.name,
                             ident, changes, ctx.now)
    return respond(ctx, record)


def related(ctx: Context) -> Reply:
    """Records of another resource whose ids a field of this record holds."""
    resource = resource_of(ctx)
    record = resource.find(ctx, ctx.path.get(resource.param))
    spec = ctx.op.ext["related"]
    target = ctx.provider.resources[spec["resource"]]
    collection = ctx.tenant.collections[target.name]
    key = spec.get("key")
    held = [item.get(key) if key and isinstance(item, dict) else item
            for item in record.get(spec["field"]) or []]
    ids = [i for i in held if collection.get(i) is not None]
    view = ctx.op.ext.get("view")
    found = Listing(collection, ids, [], lambda r: target.render(r, view))
    return ctx.provider.paginate(ctx, found, {"style": "none"})


HANDLERS: dict[str, Callable[[Context], Reply]] = {
    "list": list_, "get": get, "create": create, "update": update, "replace": replace,
    "delete": delete, "action": action, "related": related,
}
