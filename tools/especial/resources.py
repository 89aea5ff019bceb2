"""The resources map: what the classified operations tell about each resource."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .naming import Classified, Route, is_param

# Record id fields that no candidate rule finds.
ID_FIELDS = {"token": "access_token"}


def deref(schema: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref and single allOf wrappers to the schema they name."""
    seen = 0
    while isinstance(schema, dict) and seen < 50:
        seen += 1
        if "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema
    return {}


def record_schema(op: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """The record an operation answers with: data, data[], or the whole body."""
    for code in sorted(op.get("responses", {})):
        if not code.startswith("2"):
            continue
        body = op["responses"][code].get("content", {}).get("application/json", {})
        top = deref(body.get("schema"), schemas)
        data = top.get("properties", {}).get("data")
        if data is None:
            return top
        record = deref(data, schemas)
        if record.get("type") == "array":
            record = deref(record.get("items"), schemas)
        return record
    return {}


@dataclass
class ResourceFacts:
    """What the operations of one resource tell about it."""

    params: dict[str, str]
    scope: dict[str, str] | None
    records: list[dict[str, Any]]


def param_types(ops: list[tuple[str, dict[str, Any]]], name: str) -> list[str]:
    """JSON types a path parameter is declared with, across the operations of a resource."""
    found = {
        str(param.get("schema", {}).get("type", "string"))
        for _, op in ops
        for param in op.get("parameters", [])
        if param.get("name") == name and param.get("in") == "path"
    }
    return sorted(found)


def resource_entry(
    name: str, facts: ResourceFacts, ops: list[tuple[str, dict[str, Any]]], oddities: list[str]
) -> dict[str, Any]:
    """The resources-map entry of one resource: id field, id type, param and scope."""
    param = next(iter(facts.params), None)
    props: dict[str, Any] = {}
    for record in facts.records:
        props = record.get("properties", {})
        if props:
            break
    candidates = [ID_FIELDS.get(name), "id", param]
    if param:
        candidates.append(param.removeprefix(name.rsplit("_", 1)[-1] + "_"))
    id_field = next((c for c in candidates if c and c in props), "id")
    field_type = deref(props.get(id_field, {}), {}).get("type")
    declared = param_types(ops, param) if param else []
    id_type = "integer" if (field_type or next(iter(declared), None)) == "integer" else "string"
    if declared and declared != [id_type]:
        oddities.append(
            f"{name}: record {id_field} is {id_type}, path {param} is declared "
            f"{' and '.join(declared)}"
        )
    entry: dict[str, Any] = {"id": id_field, "id_type": id_type}
    if param:
        entry["param"] = param
    if facts.scope:
        entry["scope"] = facts.scope
    return entry


Item = tuple[Route, str, dict[str, Any], Classified]


def resource_facts(
    items: list[Item], schemas: dict[str, Any], oddities: list[str]
) -> dict[str, ResourceFacts]:
    """Params, scope and records of every resource; conventional operations speak first."""
    facts: dict[str, ResourceFacts] = {}
    rank = {"get": 0, "list": 1, "create": 2, "update": 3, "hook": 9}
    for route, _, op, found in sorted(items, key=lambda t: rank.get(t[3].kind, 5)):
        entry = facts.setdefault(found.resource, ResourceFacts({}, None, []))
        lit, param = route.pairs[found.subject]
        if is_param(param):
            entry.params.setdefault(str(param), lit)
        parents = {str(p): str(p) for _, p in route.pairs[: found.subject] if is_param(p)}
        if entry.scope is None:
            entry.scope = parents
        elif found.kind != "hook" and parents != entry.scope:
            oddities.append(
                f"{found.resource}: scope {parents} of {route.path} differs from {entry.scope}"
            )
        record = record_schema(op, schemas)
        if record.get("properties") and (found.kind != "hook" or not entry.records):
            entry.records.append(record)
    for name, entry in facts.items():
        if len(entry.params) > 1:
            oddities.append(f"{name}: named by several parameters {sorted(entry.params)}")
    return facts


def resources_map(
    items: list[Item], schemas: dict[str, Any], oddities: list[str]
) -> dict[str, Any]:
    """The document-level resources map, derived from the classified operations."""
    facts = resource_facts(items, schemas, oddities)
    ops_of: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for _, method, op, found in items:
        ops_of.setdefault(found.resource, []).append((method, op))
    out = {
        name: resource_entry(name, facts[name], ops_of[name], oddities) for name in sorted(facts)
    }
    for _, _, op, found in items:
        view = VIEW_OF_KIND.get(found.kind)
        fields = list(record_schema(op, schemas).get("properties", {}))
        if view and fields:
            out[found.resource].setdefault("views", {}).setdefault(view, fields)
    return out


# The record projection each conventional kind answers with, named as the resource's views.
VIEW_OF_KIND = {"get": "detail", "list": "summary"}
