"""JSON:API 1.0 documents: records as resource objects, request documents as record fields.

A resource opts in with a `jsonapi` block in its spec entry:

    jsonapi:
      type: template                      # the resource object's `type`
      self: /api/v2/templates/{id}        # links.self, under the provider's mount
      relationships: {owner: {type: user, resource: user}, tags: {type: tag, many: true}}
      read_only: [createdAt, updatedAt]   # attributes a client may not send (422)
      meta: [canWrite, canDelete]         # added under `meta` with provideAuthorizationMeta

Relationship values live in the record under the relationship's name, as an id (to-one) or a
list of ids (to-many). Everything else but the id is an attribute. A request's
`fields[TYPE]=a,b` (sparse fieldset) keeps only the attributes and relationships it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mailtwin.errors import ApiError, Location, Problem
from mailtwin.listing import cached_json
from mailtwin.rawjson import Raw, encode_value
from mailtwin.store import Record

if TYPE_CHECKING:
    from mailtwin.context import Context
    from mailtwin.resource import Resource

ATTRIBUTES: Location = ("body", "data", "attributes")


def settings(resource: Resource) -> dict[str, Any]:
    """The resource's `jsonapi` block (empty when it has none)."""
    block = resource.extra.get("jsonapi")
    return block if isinstance(block, dict) else {}


def relationships(resource: Resource) -> dict[str, dict[str, Any]]:
    """Declared relationships by name."""
    return dict(settings(resource).get("relationships", {}))


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


def _linkage(kind: str, value: Any) -> Any:
    return None if value is None else {"type": kind, "id": value}


def fieldset(ctx: Context, resource: Resource) -> frozenset[str] | None:
    """The names `fields[TYPE]` asks for of the resource's type; None when it asks nothing."""
    value = ctx.query.get(f"fields[{settings(resource).get('type', resource.name)}]")
    if value is None:
        return None
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def resource_object(ctx: Context, resource: Resource, rendered: dict[str, Any]) -> Any:
    """A rendered record as `{"type", "id", "attributes", "relationships", "links"}`."""
    conf = settings(resource)
    links: dict[str, dict[str, Any]] = conf.get("relationships", {})
    ident = rendered.get(resource.id_field)
    shown = fieldset(ctx, resource)
    attributes = {k: rendered[k] for k in sorted(rendered)
                  if k not in links and k != resource.id_field and (shown is None or k in shown)}
    related: dict[str, Any] = {}
    for name, rel in links.items():
        if shown is not None and name not in shown:
            continue
        value = rendered.get(name)
        if rel.get("many"):
            related[name] = {"data": [_linkage(rel["type"], i) for i in value or []]}
        else:
            related[name] = {"data": _linkage(rel["type"], value)}
    out: dict[str, Any] = {"type": conf.get("type", resource.name), "id": ident,
                           "attributes": attributes, "relationships": related}
    if "self" in conf:
        out["links"] = {"self": ctx.url(ctx.provider.mount + str(conf["self"]).format(id=ident))}
    if conf.get("meta") and _flag(ctx.query.get("provideAuthorizationMeta")):
        out["meta"] = {name: True for name in conf["meta"]}
    return out


def fragments(ctx: Context, resource: Resource) -> Callable[[Record], Raw]:
    """Records as resource-object JSON bytes, cached on the collection (which drops a
    record's bytes whenever it changes) per view, base URL and meta flag; a sparse fieldset
    is rendered afresh, so the varied shapes it asks for never crowd the cache."""
    view = ctx.op.ext.get("view")
    if fieldset(ctx, resource) is not None:
        return lambda record: Raw(encode_value(
            resource_object(ctx, resource, resource.render(record, view))))
    key = ("jsonapi", view, ctx.base_url, _flag(ctx.query.get("provideAuthorizationMeta")))
    return cached_json(ctx.tenant.collections[resource.name], key,
                       lambda record: resource_object(ctx, resource, resource.render(record, view)))


def wrap(ctx: Context, resource: Resource, rendered: Any) -> Any:
    """`{"data": resource object}`."""
    return {"data": resource_object(ctx, resource, rendered)}


def unwrap(ctx: Context, body: Any) -> tuple[dict[str, Any], Location]:
    """`{"data": {"type", "attributes", "relationships"}}` -> record fields; every problem of
    the document (type, id, read-only attributes, relationships) is reported at once."""
    resource = ctx.op.resource
    data = body.get("data") if isinstance(body, dict) else None
    if resource is None or not isinstance(data, dict):
        raise ApiError(422, [Problem(("body", "data"), "a resource object is required",
                                     "validation_error")])
    conf = settings(resource)
    problems: list[Problem] = []
    kind = conf.get("type", resource.name)
    if data.get("type") != kind:
        problems.append(Problem(("body", "data", "type"), f"type must be {kind!r}",
                                "validation_error"))
    own = ctx.path.get(resource.param)
    if own is not None and "id" in data and str(data["id"]) != str(own):
        raise ApiError(409, [Problem(("body", "data", "id"), f"id must match the URL ({own})",
                                     "conflict")], title="Conflict")
    attributes = data.get("attributes") or {}
    fields = dict(attributes) if isinstance(attributes, dict) else {}
    for name in conf.get("read_only", []):
        if name in fields:
            problems.append(Problem((*ATTRIBUTES, name), f"{name} is read-only and cannot be "
                                    "set", "read_only"))
    links = data.get("relationships") or {}
    missing: list[Problem] = []
    if isinstance(links, dict):
        for name, value in links.items():
            fields[name] = _relationship(ctx, resource, name, value, problems, missing)
    if problems:
        raise ApiError(422, problems + missing, title="Validation Error")
    if missing:  # JSON:API: a related resource that does not exist is a 404
        raise ApiError(404, missing, title="Not Found")
    return fields, ATTRIBUTES


def _relationship(ctx: Context, resource: Resource, name: str, value: Any,
                  problems: list[Problem], missing: list[Problem]) -> Any:
    """The id (or ids) a relationship object names; problems (and ids that name no record)
    are appended, not raised."""
    at: Location = ("body", "data", "relationships", name)
    rel = relationships(resource).get(name)
    if rel is None:
        problems.append(Problem(at, f"unknown relationship {name!r}", "validation_error"))
        return None
    data = value.get("data") if isinstance(value, dict) else None
    items = data if rel.get("many") else [data]
    if not isinstance(value, dict) or "data" not in value or not isinstance(items, list):
        shape = "a list of" if rel.get("many") else "null or"
        problems.append(Problem(at, f"must be {{\"data\": {shape} {{\"type\", \"id\"}}}}",
                                "validation_error"))
        return None
    ids: list[Any] = []
    for index, item in enumerate(items):
        place: Location = (*at, "data", index) if rel.get("many") else (*at, "data")
        if item is None and not rel.get("many"):
            ids.append(None)
            continue
        if not isinstance(item, dict) or "id" not in item:
            problems.append(Problem(place, "a resource identifier needs type and id",
                                    "validation_error"))
            continue
        if item.get("type") != rel["type"]:
            problems.append(Problem((*place, "type"), f"type must be {rel['type']!r}",
                                    "validation_error"))
        ident = _existing(ctx, rel.get("resource"), item["id"])
        if ident is None:
            missing.append(Problem((*place, "id"), f"{rel['type']} {item['id']} not found",
                                   "not_found"))
        ids.append(ident)
    return ids if rel.get("many") else ids[0]


def _existing(ctx: Context, target: str | None, ident: Any) -> Any:
    """The id as stored when the target resource holds it (any id when there is no target)."""
    if target is None:
        digits = isinstance(ident, str) and ident.isascii() and ident.isdigit()
        return int(ident) if digits else ident
    owner = ctx.provider.resources.get(target)
    if owner is None:
        return ident
    key = owner.ident(str(ident)) if not isinstance(ident, int) else ident
    return key if key is not None and ctx.tenant.collections[target].get(key) else None
