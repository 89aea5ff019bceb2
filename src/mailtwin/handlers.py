"""The generic handlers, one per operation kind: list, create, get, update, replace, delete,
action and related. Each checks everything before it changes anything."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mailtwin import rawjson
from mailtwin.context import Context
from mailtwin.errors import ApiError, Problem
from mailtwin.listing import FieldIn, Listing, Order, Predicate, cached_json, sort_ids
from mailtwin.rawjson import Raw
from mailtwin.reply import Reply, encode_for
from mailtwin.resource import Resource
from mailtwin.store import Collection, Record

PAGES_KEPT = 64


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
    resource = ctx.resource()
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
    plan = ctx.query_plan()
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
    return Listing(collection, ids, predicates, ctx.render, fragment(ctx),
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
    resource = ctx.resource()
    view, extra = ctx.op.ext.get("view"), ctx.includes()
    return cached_json(ctx.tenant.collections[resource.name], (view, extra),
                       lambda record: resource.render(record, view, extra))


def list_(ctx: Context) -> Reply:
    """A page of records, in the provider's pagination style."""
    parent = ctx.op.ext.get("parent")
    if parent:
        ctx.require(parent["resource"])
    if ctx.op.hook is not None:
        # A hook around this handler may still change the answer: nothing to cache.
        return ctx.page(listing(ctx))
    # A page depends only on the collection, the request and the server's address, so an
    # unchanged collection answers a repeated request from its cache.
    collection = ctx.tenant.collections[ctx.resource().name]
    key = (id(ctx.op), ctx.raw_query, ctx.base_url, tuple(sorted(ctx.path.items())))
    cached = collection.pages.get(key)
    if cached is not None:
        return Reply(cached.status, None, dict(cached.headers), cached.media_type, cached.raw)
    reply = ctx.page(listing(ctx))
    if reply.status == 200:
        reply.raw = encode_for(ctx.provider.omit_nulls, reply)
        if len(collection.pages) >= PAGES_KEPT:
            collection.pages.clear()
        collection.pages[key] = reply
    return reply


def get(ctx: Context) -> Reply:
    """One record; its JSON is cached on the collection until the record changes."""
    resource = ctx.resource()
    record = ctx.require()
    if ctx.op.respond_body is not None or ctx.op.respond_page:
        return ctx.respond(record)
    # The answer depends only on the record, the operation, the query and the server's
    # address: it is kept, as bytes, until the record changes.
    answer = cached_json(ctx.tenant.collections[resource.name],
                         ("get", id(ctx.op), ctx.raw_query, ctx.base_url),
                         lambda found: ctx.cached(resource, found, fragment(ctx)),
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


def create(ctx: Context) -> Reply:
    """A new record from the body."""
    resource = ctx.resource()
    fields, location = ctx.unwrap()
    check_unique(ctx, resource, fields, location)
    return ctx.respond(ctx.create(None, fields), 201)


def change(ctx: Context, replace: bool) -> Reply:
    """Merge (PATCH) or replace (PUT) the body's fields into a record."""
    resource = ctx.resource()
    record = ctx.require()
    fields, location = ctx.unwrap()
    ident = record[resource.id_field]
    fields.pop(resource.id_field, None)
    check_unique(ctx, resource, fields, location, ignore=ident)
    if replace:
        keep = {resource.id_field, resource.created, *resource.scope.values()}
        fields = {**{k: None for k in record if k not in keep}, **fields}
    ctx.apply(None, record, fields)
    return ctx.respond(record)


def update(ctx: Context) -> Reply:
    return change(ctx, replace=False)


def replace(ctx: Context) -> Reply:
    return change(ctx, replace=True)


def delete(ctx: Context) -> Reply:
    """Remove a record."""
    record = ctx.require()
    ctx.delete(None, record)
    return ctx.respond(record, 204, default=lambda: None)


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
    record = ctx.require()
    ctx.move(record, action_name(ctx))
    return ctx.respond(record)


def related(ctx: Context) -> Reply:
    """Records of another resource whose ids a field of this record holds."""
    record = ctx.require()
    spec = ctx.op.ext["related"]
    target = ctx.provider.resources[spec["resource"]]
    collection = ctx.tenant.collections[target.name]
    key = spec.get("key")
    held = [item.get(key) if key and isinstance(item, dict) else item
            for item in record.get(spec["field"]) or []]
    ids = [i for i in held if collection.get(i) is not None]
    view = ctx.op.ext.get("view")
    found = Listing(collection, ids, [], lambda r: target.render(r, view))
    return ctx.page(found, {"style": "none"})


HANDLERS: dict[str, Callable[[Context], Reply]] = {
    "list": list_, "get": get, "create": create, "update": update, "replace": replace,
    "delete": delete, "action": action, "related": related,
}
