"""Derive the Especial provider spec (specs/especial.yaml) from the upstream OpenAPI document."""

# Usage: python tools/especial_spec.py [--upstream PATH] [--out PATH] [--check]
#
# Keeps the facts of the upstream document (paths, parameters, bodies, responses, component
# schemas, security schemes), replaces every prose text by generated wording, adds the
# x-mailtwin blocks, lists the seed-documented operations (tools/especial/seed_operations.yaml)
# and deep-merges the hand-maintained overlays (tools/especial/overlays/*.yaml, in name order)
# last, so that hand annotations survive regeneration. Operations that nothing can serve yet
# (a hook operation without a hook, an action its resource's lifecycle does not declare) are
# left out and listed on stderr. Same input, same bytes out.

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_UPSTREAM = "../shared/reference/especial/upstream-openapi.json"
DEFAULT_SEED = "../shared/seeds/002_16a88ef0507f2ed5.txt"
DEFAULT_OUT = "specs/especial.yaml"
DEFAULT_SEED_OUT = "tools/especial/seed_operations.yaml"
DEFAULT_OVERLAYS = "tools/especial/overlays"

PRODUCT = "Especial"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

# Path prefixes that only group paths; "v2" stays part of resource names, the others do not.
NAMESPACES = ("v2", "reports", "logs")
NAMING_NAMESPACES = ("v2",)
BRAND_PREFIX = ("brands", "default")
SINGLETON_MARKERS = ("self", "default")
# Roots whose every operation is a hook.
HOOK_ROOTS = ("token",)
# Path segments whose operations compute derived data: always hooks.
DERIVED = ("render", "download", "validate", "links", "revisions", "email-tags", "emails-summary")
# Paths that look conventional but need behaviour, with the reason.
HOOK_PATHS = {
    "/lists/{list_id}/segments/{segment_id}/contacts": "segment membership is computed",
}
# Naming key (namespace:literal/literal) -> resource name, where singularising is not enough.
RESOURCE_NAMES = {
    "lists/exports": "contacts_export",
    "lists/forms": "list_form",
    "workflow-blueprints/actions": "workflow_blueprint_action",
    "logs:campaigns/exports": "campaign_log_export",
    "logs:lists/exports": "list_log_export",
    "brands:dkim": "dkim_key",
    "brands:domains": "brand",
    "brands:logos": "brand",
    "brands:system-emails": "brand",
    "emails": "transactional_email",
    "v2:emails": "email",
    "email-tags": "email",
    "emails-summary": "email",
    "email-group-ids": "email_group",
    "users/mfa": "mfa_method",
}
# Record id fields that no candidate rule finds.
ID_FIELDS = {"token": "access_token"}
# Resources whose hooks act on a facet named by the path literal (domains, logos, ...).
FACET_RESOURCES = ("brand",)
ACRONYMS = {"dkim": "DKIM", "mfa": "MFA", "api": "API"}

# Operations upstream marks as secured that must work without a token in the sandbox.
AUTH_NONE = {("post", "/token")}
# Seed titles that differ from the upstream summary of the same operation.
SEED_ALIASES = {
    "send a transactional email": "Send an email",
    "create a token": "Create or Refresh a token",
    "show transactional email logs": "Show email activity logs",
    "show transactional email report": "Show email stats",
    "show all asynchronous task": "Show all asynchronous Tasks",
    "show a tag": "Show a Contact Tag",
    "delete a tag": "Delete a Contact Tag",
    "edit tag": "Edit a Contact Tag",
    "show all tags": "List Contact Tags",
    "create a tag": "Create a Contact Tag",
}
SEED_MARKERS = (
    "Authorizations:",
    "path Parameters",
    "query Parameters",
    "header Parameters",
    "Request Body schema",
    "Responses",
)
SEED_BLOCK_ENDS = ("}", "]", "{}", "[]")

# Summaries that the generic wording gets wrong or ambiguous.
SUMMARIES = {
    ("post", "/token"): "Token: issue",
    ("put", "/token"): "Token: refresh",
    ("post", "/token/challenge"): "Token: complete MFA challenge",
    ("get", "/logs/emails-summary"): "Email: activity summary",
    ("get", "/email-tags"): "Email: list tags in use",
    ("put", "/brands/default/logos/default"): "Brand: upload logo",
    ("delete", "/brands/default/logos/default"): "Brand: remove logo",
    ("get", "/lists/{list_id}/segments/{segment_id}/contacts"): "Contact: list segment members",
    ("post", "/lists/{list_id}/contacts/tag"): "Contact: tag many",
    ("post", "/lists/{list_id}/contacts/untag"): "Contact: untag many",
}
RESPONSE_TEXT = {
    "200": "Success.",
    "201": "Created.",
    "202": "Accepted.",
    "204": "No content.",
    "400": "Bad request.",
    "401": "Missing or invalid credentials.",
    "403": "Not allowed.",
    "404": "Not found.",
    "409": "Conflict.",
    "422": "Request validation failed.",
}
PARAM_TEXT = {
    "account_id": "Act on this (sub-)account instead of the caller's own.",
    "page": "Page number, from 1.",
    "per_page": "Records per page.",
    "with_count": "Add the total record count to the pagination block.",
    "lock_key": "Workflow lock key held by the caller.",
    "iso_time": "Render timestamps as ISO 8601 strings.",
    "cursor": "Opaque cursor for cursor pagination.",
    "start_time": "Window start, unix seconds.",
    "end_time": "Window end, unix seconds.",
    "tracking": "Turn on open and click tracking.",
    "as_submitted": "Render the content as it was submitted.",
    "group_id": "Email group id.",
    "query": "SQL-like selection; exclusive with fiql and json.",
    "fiql": "FIQL selection; exclusive with query and json.",
    "json": "JSON selection; exclusive with query and fiql.",
}
SCHEMA_DROP = frozenset({"description", "title", "example", "examples", "$comment", "summary"})
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_ONE = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
EXTENSION: dict[str, Any] = {
    "provider": "especial",
    "mount": "/especial",
    "hooks": "mailtwin.providers.especial",
    "conventions": {
        "auth": {"scheme": "bearer"},
        "errors": "fastapi",
        "pagination": {"style": "page", "default": 50, "max": 1000},
        "envelope": "data",
        "timestamps": "unix",
        "query": "expression",
        # The published schemas type optional fields as non-nullable: leave absent ones out.
        "omit_nulls": True,
    },
}
# Boolean flags of write answers ({"id", "object", "created": true, ...}) are found in the
# response schema: a boolean property with a default (`"subscribed": false` after unsubscribe).
OPERATION_KEYS = ("tags", "parameters", "requestBody", "responses", "security", "deprecated")


@dataclass(frozen=True)
class Route:
    """A path split into namespaces and (literal, parameter-or-marker) pairs."""

    path: str
    namespaces: tuple[str, ...]
    pairs: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Classified:
    """What the convention makes of one operation."""

    kind: str
    resource: str
    subject: int
    action: str | None = None


# ---------------------------------------------------------------------------- text helpers


def snake(text: str) -> str:
    """Snake_case of a path segment or phrase."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def singular(word: str) -> str:
    """Singular of one English plural word (the few shapes the paths use)."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def plural(word: str) -> str:
    """Plural of one English singular word."""
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith("s"):
        return word + "es"
    return word + "s"


def words_of(name: str) -> list[str]:
    """Display words of a snake_case or kebab-case name, acronyms upper-cased."""
    return [ACRONYMS.get(w, w) for w in re.split(r"[_\-]+", name) if w]


def title_of(resource: str) -> str:
    """Display title of a resource: campaign -> Campaign, dkim_key -> DKIM key."""
    text = " ".join(words_of(resource))
    return text[:1].upper() + text[1:]


def plural_title(resource: str) -> str:
    """Lower-case plural display name: custom_attribute -> custom attributes."""
    parts = words_of(resource)
    parts[-1] = plural(parts[-1])
    return " ".join(p if p.isupper() else p.lower() for p in parts)


def rebrand(value: Any, brand: str) -> Any:
    """Replace the upstream brand by the product name in every string of a value."""
    if isinstance(value, str):
        return re.sub(re.escape(brand), PRODUCT, value, flags=re.IGNORECASE) if brand else value
    if isinstance(value, dict):
        return {k: rebrand(v, brand) for k, v in value.items()}
    if isinstance(value, list):
        return [rebrand(v, brand) for v in value]
    return value


def plain_number(value: Any) -> Any:
    """Integral floats (1.0) as ints, everything else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def backticked(text: str) -> list[str]:
    """The `quoted` terms of a text, in order."""
    return re.findall(r"`([^`]+)`", text)


def section(text: str, heading: str) -> str:
    """The part of an upstream description after a heading, up to the next blank line pair."""
    start = text.find(heading)
    if start < 0:
        return ""
    rest = text[start + len(heading) :]
    end = rest.find("\n\n")
    return rest if end < 0 else rest[:end]


# ---------------------------------------------------------------------------- schemas


def clean_schema(schema: Any) -> Any:
    """A schema without prose, titles, examples and vendor keys; structure and facts kept."""
    if isinstance(schema, list):
        return [clean_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return plain_number(schema)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in SCHEMA_DROP or key.startswith("x-"):
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: clean_schema(sub) for name, sub in value.items()}
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [clean_schema(sub) for sub in value]
        elif key in SCHEMA_ONE and isinstance(value, dict):
            out[key] = clean_schema(value)
        else:
            out[key] = json.loads(json.dumps(value), parse_float=_float)
    return simplify_schema(out)


def _float(text: str) -> int | float:
    """JSON float parser that keeps integral values as ints."""
    value = float(text)
    return int(value) if value.is_integer() else value


def simplify_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Unwrap {allOf: [x]} left alone once titles and descriptions are gone."""
    if list(schema) == ["allOf"] and len(schema["allOf"]) == 1:
        only = schema["allOf"][0]
        if isinstance(only, dict):
            return only
    return schema


def clean_content(content: dict[str, Any]) -> dict[str, Any]:
    """Media types with their schemas (and encodings), without examples."""
    out: dict[str, Any] = {}
    for media, body in content.items():
        entry: dict[str, Any] = {}
        if "schema" in body:
            entry["schema"] = clean_schema(body["schema"])
        if "encoding" in body:
            entry["encoding"] = clean_schema(body["encoding"])
        out[media] = entry
    return out


# ---------------------------------------------------------------------------- parameters


def describe_parameter(param: dict[str, Any]) -> str | None:
    """Our own one-line description of a parameter, from the facts its upstream text holds."""
    name = str(param.get("name"))
    text = str(param.get("description") or param.get("schema", {}).get("description") or "")
    if "Valid Terms:" in text:
        terms = ", ".join(backticked(section(text, "Valid Terms:")))
        ops = " ".join(backticked(section(text, "Valid Operators:"))) or "=="
        sep = " ".join(backticked(section(text, "Query separator:"))) or ";"
        return f"Filter as term{ops}value, joined by {sep}. Terms: {terms}."
    if "Sort term" in text:
        terms = ", ".join(backticked(section(text, "Valid terms:")))
        return f"Sort key, prefixed by - for descending or + for ascending. Keys: {terms}."
    if "#### Operators:" in text:
        found = re.findall(r"^(\S+): ", section(text, "#### Operators:"), flags=re.MULTILINE)
        return f"Match on {name}; optional operator prefix: {', '.join(found)}."
    if "reserved terms:" in text:
        reserved = text.split("reserved terms:", 1)[1].strip().rstrip(".")
        return f"Attribute name; reserved: {reserved}."
    if "Recursive Filter Query Language" in text:
        return f"JSON filter on {name}: nested and/or/not/is over condition strings."
    if "wildcard" in text:
        return "An address, or a *@domain or local@* wildcard."
    return PARAM_TEXT.get(name)


def clean_parameter(param: dict[str, Any]) -> dict[str, Any]:
    """A parameter with its facts and our own description."""
    out: dict[str, Any] = {"name": param["name"], "in": param["in"]}
    if param.get("required"):
        out["required"] = True
    for key in ("deprecated", "style", "explode", "allowEmptyValue", "allowReserved"):
        if key in param:
            out[key] = param[key]
    text = describe_parameter(param)
    if text:
        out["description"] = text
    if "schema" in param:
        out["schema"] = clean_schema(param["schema"])
    if "content" in param:
        out["content"] = clean_content(param["content"])
    return out


# ---------------------------------------------------------------------------- routes


def parse_route(path: str) -> Route:
    """Split a path into namespaces and (literal, parameter) pairs."""
    segments = [s for s in path.split("/") if s]
    namespaces: list[str] = []
    while True:
        if segments[:2] == list(BRAND_PREFIX):
            namespaces.append(BRAND_PREFIX[0])
            segments = segments[2:]
        elif len(segments) > 1 and segments[0] in NAMESPACES:
            namespaces.append(segments.pop(0))
        else:
            break
    pairs: list[tuple[str, str | None]] = []
    index = 0
    while index < len(segments):
        literal = segments[index]
        following = segments[index + 1] if index + 1 < len(segments) else None
        if following is not None and following.startswith("{"):
            pairs.append((literal, following.strip("{}")))
            index += 2
        elif following in SINGLETON_MARKERS:
            pairs.append((literal, "@" + str(following)))
            index += 2
        else:
            pairs.append((literal, None))
            index += 1
    return Route(path, tuple(namespaces), tuple(pairs))


def is_param(value: str | None) -> bool:
    """Whether a pair's second element is a real path parameter."""
    return value is not None and not value.startswith("@")


def collection_literals(routes: list[Route]) -> frozenset[str]:
    """Literals that name a collection: followed by a parameter somewhere, or a root."""
    found = {lit for r in routes for lit, p in r.pairs if is_param(p) or p == "@self"}
    found |= {r.pairs[0][0] for r in routes if len(r.pairs) == 1}
    return frozenset(found)


def naming_key(route: Route, upto: int, keep_all: bool) -> str:
    """The key a resource name is looked up by: namespaces, then the literal chain."""
    chain = "/".join(lit for lit, _ in route.pairs[: upto + 1])
    kept = (
        route.namespaces
        if keep_all
        else tuple(n for n in route.namespaces if n in NAMING_NAMESPACES)
    )
    return ":".join((*kept, chain))


def resource_name(route: Route, upto: int) -> str:
    """Resource named by the pair at `upto`: explicit table first, else the singular."""
    for keep_all in (True, False):
        key = naming_key(route, upto, keep_all)
        if key in RESOURCE_NAMES:
            return RESOURCE_NAMES[key]
    literal = route.pairs[upto][0]
    head, _, last = literal.rpartition("-")
    return snake(f"{head}-{singular(last)}" if head else singular(last))


def hook_subject(route: Route, collections: frozenset[str]) -> int:
    """Index of the pair a hook acts on: the last record-naming pair before any verb."""
    last = len(route.pairs) - 1
    lit, param = route.pairs[last]
    if last == 0 or param is not None:
        return last
    if lit in collections and lit not in DERIVED:
        return last
    return last - 1


def is_hook_route(route: Route, methods: set[str], collections: frozenset[str]) -> bool:
    """Whether every operation on a path is a hook, whatever its method."""
    pairs = route.pairs
    if route.path in HOOK_PATHS or pairs[0][0] in HOOK_ROOTS:
        return True
    if any(lit in DERIVED for lit, _ in pairs):
        return True
    marked = [i for i, (_, p) in enumerate(pairs) if p is not None and p.startswith("@")]
    if marked and marked[-1] == len(pairs) - 1:
        return True
    if marked and marked[-1] == len(pairs) - 2 and pairs[-1][1] is None:
        return pairs[-1][0] not in collections
    if set(route.namespaces) & {"reports", "logs"} and not pairs[-1][0].endswith("exports"):
        return True
    return len(pairs) == 1 and pairs[0][1] is None and bool(methods & {"put", "patch"})


def classify(
    route: Route, method: str, methods: set[str], collections: frozenset[str]
) -> Classified:
    """Kind, resource and action of one operation, by the conventions of the spec format."""
    last = len(route.pairs) - 1
    lit, param = route.pairs[last]
    if is_hook_route(route, methods, collections):
        subject = hook_subject(route, collections)
        return Classified("hook", resource_name(route, subject), subject)
    if is_param(param):
        kinds = {"get": "get", "patch": "update", "put": "replace", "delete": "delete"}
        return Classified(kinds.get(method, "hook"), resource_name(route, last), last)
    if lit in collections and (last == 0 or route.pairs[last - 1][1] is not None):
        kinds = {"get": "list", "post": "create"}
        return Classified(kinds.get(method, "hook"), resource_name(route, last), last)
    if last > 0 and is_param(route.pairs[last - 1][1]) and method == "post":
        return Classified("action", resource_name(route, last - 1), last - 1, snake(lit))
    subject = hook_subject(route, collections)
    return Classified("hook", resource_name(route, subject), subject)


# ---------------------------------------------------------------------------- summaries


def hook_phrase(route: Route, method: str, found: Classified) -> str:
    """Generated wording of what a hook does."""
    trailing = [w for lit, _ in route.pairs[found.subject + 1 :] for w in words_of(lit)]
    is_export = route.pairs[found.subject][0].endswith("exports")
    if "reports" in route.namespaces and not is_export:
        return " ".join([*trailing, "report"])
    if "logs" in route.namespaces and not is_export:
        return " ".join([*trailing, "activity log"])
    verbs = {"get": "show", "put": "set", "patch": "update", "delete": "remove", "post": "create"}
    phrase = trailing or [verbs.get(method, method)]
    if found.resource in FACET_RESOURCES:
        phrase = [*phrase, *words_of(route.pairs[found.subject][0])]
    return " ".join(phrase)


def summary_of(route: Route, method: str, found: Classified) -> str:
    """Our own short summary of an operation, from its method, path and classification."""
    fixed = SUMMARIES.get((method, route.path))
    if fixed:
        return fixed
    title = title_of(found.resource)
    if route.pairs[found.subject][1] == "@self":
        title += " (self)"
    if found.kind == "list":
        return f"List {plural_title(found.resource)}"
    if found.kind == "action":
        return f"{title}: {' '.join(words_of(found.action or ''))}"
    if found.kind == "hook":
        return f"{title}: {hook_phrase(route, method, found)}"
    return f"{title}: {found.kind}"


# ---------------------------------------------------------------------------- operations


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) of a document, in document order."""
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def operation_block(
    method: str, path: str, found: Classified, op: dict[str, Any], schemas: dict[str, Any]
) -> dict[str, Any]:
    """The x-mailtwin block of one operation."""
    block: dict[str, Any] = {"kind": found.kind, "resource": found.resource}
    if found.action:
        block["action"] = found.action
    if not op.get("security") or (method, path) in AUTH_NONE:
        block["auth"] = "none"
    for param in op.get("parameters", []):
        text = str(param.get("description") or param.get("schema", {}).get("description") or "")
        if param.get("name") == "filter" and "Valid Terms:" in text:
            block["filter_terms"] = backticked(section(text, "Valid Terms:"))
        if param.get("name") == "sort" and "Sort term" in text:
            block["sort_terms"] = backticked(section(text, "Valid terms:"))
    if found.kind == "list" and record_schema(op, schemas).get("properties"):
        block["view"] = "summary"
    if found.kind != "hook":
        respond = respond_block(op, schemas, found.kind)
        if respond:
            block["respond"] = respond
    return block


def respond_block(
    op: dict[str, Any], schemas: dict[str, Any], kind: str
) -> dict[str, Any] | None:
    """The answer template of a write: `{id, object, <flag>: true, data}` as the schema says.

    A 2xx JSON schema holding `object` (with its default) and boolean flags with defaults
    gives `{id: $id, object: campaign, created: $true, data: $record}`; `{data}` alone
    is the envelope's default answer and needs no template, except for a delete (whose
    default answer is an empty 204).
    """
    for code in sorted(op.get("responses", {})):
        if not code.startswith("2"):
            continue
        content = op["responses"][code].get("content", {}).get("application/json", {})
        props = deref(content.get("schema"), schemas).get("properties", {})
        if "object" not in props and "id" not in props:
            if kind == "delete" and "data" in props:
                return {"status": int(code), "body": {"data": "$record"}}
            return None
        body: dict[str, Any] = {}
        for name, sub in props.items():
            prop = deref(sub, schemas)
            if name == "id":
                body["id"] = "$id"
            elif name == "object" and "default" in prop:
                body["object"] = prop["default"]
            elif prop.get("type") == "boolean" and isinstance(prop.get("default"), bool):
                body[name] = "$true" if prop["default"] else "$false"
            elif name == "data":
                body["data"] = "$record"
        return {"status": int(code), "body": body}
    return None


def clean_operation(
    path: str,
    method: str,
    op: dict[str, Any],
    found: Classified,
    route: Route,
    schemas: dict[str, Any],
) -> dict[str, Any]:
    """One operation: facts kept, wording ours, x-mailtwin added."""
    out: dict[str, Any] = {
        "operationId": op.get("operationId") or snake(f"{method}_{path}"),
        "summary": summary_of(route, method, found),
    }
    for key in OPERATION_KEYS:
        if key not in op:
            continue
        value = op[key]
        if key == "parameters":
            out[key] = [clean_parameter(p) for p in value]
        elif key == "requestBody":
            body: dict[str, Any] = {}
            if value.get("required"):
                body["required"] = True
            body["content"] = clean_content(value.get("content", {}))
            out[key] = body
        elif key == "responses":
            out[key] = {code: clean_response(code, r) for code, r in value.items()}
        else:
            out[key] = json.loads(json.dumps(value))
    out["x-mailtwin"] = operation_block(method, path, found, op, schemas)
    return out


def clean_response(code: str, response: dict[str, Any]) -> dict[str, Any]:
    """A response with our own description and its content schemas."""
    out: dict[str, Any] = {"description": RESPONSE_TEXT.get(code, f"Status {code}.")}
    if "content" in response:
        out["content"] = clean_content(response["content"])
    if "headers" in response:
        out["headers"] = {
            h: clean_parameter({"name": h, "in": "header", **v})
            for h, v in response["headers"].items()
        }
    return out


# ---------------------------------------------------------------------------- resources


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


# ---------------------------------------------------------------------------- document


def build_document(upstream: dict[str, Any], oddities: list[str]) -> dict[str, Any]:
    """The generated spec (before the overlay)."""
    brand = str(upstream.get("info", {}).get("title", "")).split(" ")[0]
    upstream = rebrand(upstream, brand)
    schemas = upstream.get("components", {}).get("schemas", {})
    routes = {path: parse_route(path) for path in upstream.get("paths", {})}
    collections = collection_literals(list(routes.values()))
    items: list[Item] = []
    paths: dict[str, Any] = {}
    for path, method, op in operations(upstream):
        methods = set(upstream["paths"][path]) & set(HTTP_METHODS)
        found = classify(routes[path], method, methods, collections)
        items.append((routes[path], method, op, found))
        cleaned = clean_operation(path, method, op, found, routes[path], schemas)
        paths.setdefault(path, {})[method] = cleaned
    check_unique_summaries(paths)
    return {
        "openapi": "3.1.0",
        "info": info_block(upstream),
        "x-mailtwin": {**EXTENSION, "resources": resources_map(items, schemas, oddities)},
        "paths": paths,
        "components": clean_components(upstream.get("components", {})),
    }


def info_block(upstream: dict[str, Any]) -> dict[str, Any]:
    """The info object: our title and description, the upstream version."""
    return {
        "title": f"{PRODUCT} Email API (sandbox)",
        "version": str(upstream.get("info", {}).get("version", "0")),
        "description": (
            f"Stateful sandbox of the {PRODUCT} email platform API: accounts and users, "
            "lists, contacts, segments, campaigns, workflows, templates, transactional "
            "email, reports and logs. Generated by tools/especial_spec.py from the "
            "published document; paths and schemas are the provider's, wording is ours."
        ),
    }


def clean_components(components: dict[str, Any]) -> dict[str, Any]:
    """Component schemas without prose, and security schemes with our own scope texts."""
    out: dict[str, Any] = {
        "schemas": {name: clean_schema(s) for name, s in components.get("schemas", {}).items()},
    }
    schemes: dict[str, Any] = {}
    for name, scheme in components.get("securitySchemes", {}).items():
        kept = {k: v for k, v in scheme.items() if k != "description" and not k.startswith("x-")}
        for flow in kept.get("flows", {}).values():
            flow["scopes"] = {s: f"The {s} scope." for s in flow.get("scopes", {})}
        schemes[name] = kept
    out["securitySchemes"] = schemes
    return out


def check_unique_summaries(paths: dict[str, Any]) -> None:
    """Fail loudly when two operations get the same generated summary."""
    seen: dict[str, str] = {}
    for path, item in paths.items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            if op["summary"] in seen:
                raise SystemExit(
                    f"duplicate summary {op['summary']!r}: {seen[op['summary']]} and {where}"
                )
            seen[op["summary"]] = where


def deep_merge(base: Any, overlay: Any) -> Any:
    """Overlay merged into base: mappings recursively, a null value deletes the key."""
    if not isinstance(base, dict) or not isinstance(overlay, dict):
        return overlay
    merged = dict(base)
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = deep_merge(merged.get(key), value) if key in merged else value
    return merged


# ---------------------------------------------------------------------------- checks


def refs_of(value: Any) -> Iterator[str]:
    """Every $ref string inside a value."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key == "$ref" and isinstance(sub, str):
                yield sub
            else:
                yield from refs_of(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from refs_of(sub)


def resolve_pointer(document: Any, ref: str) -> bool:
    """Whether a local $ref ("#/a/b") names a node of the document."""
    if not ref.startswith("#/"):
        return False
    node = document
    for raw in ref[2:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or token not in node:
            return False
        node = node[token]
    return True


def check_document(document: dict[str, Any], seeds: list[dict[str, str]]) -> list[str]:
    """Problems of the final document: dangling $refs, missing seed operations, stray brand."""
    problems = sorted(
        {f"unresolved $ref {r}" for r in refs_of(document) if not resolve_pointer(document, r)}
    )
    for seed in seeds:
        if seed["method"].lower() not in document["paths"].get(seed["path"], {}):
            problems.append(f"seed operation missing: {seed['method']} {seed['path']}")
    resources = document["x-mailtwin"].get("resources", {})
    for _, _, op in operations(document):
        name = op.get("x-mailtwin", {}).get("resource")
        if name is not None and name not in resources:
            problems.append(f"{op['operationId']}: undeclared resource {name}")
    return problems


# ---------------------------------------------------------------------------- seed titles


def seed_titles(text: str, tags: set[str]) -> list[str]:
    """Operation titles of the seed document, in document order."""
    # A block runs from the end of the previous response sample up to its "Responses" line;
    # its title is the paragraph after the last tag heading, else its first paragraph.
    titles: list[str] = []
    block: list[str] = []
    for line in text.splitlines():
        if line in SEED_BLOCK_ENDS or line.startswith("Download OpenAPI specification"):
            block = []
        elif line == "Responses":
            titles.append(block_title(block, tags))
            block = []
        else:
            block.append(line)
    return [t for t in titles if t]


def block_title(block: list[str], tags: set[str]) -> str:
    """The title paragraph of one seed operation block."""
    head: list[str] = []
    for line in block:
        if line.startswith(SEED_MARKERS):
            break
        head.append(line)
    paragraphs = [p.strip() for p in "\n".join(head).split("\n\n") if p.strip()]
    tagged = [i for i, p in enumerate(paragraphs[:-1]) if p in tags]
    index = tagged[-1] + 1 if tagged else 0
    return paragraphs[index] if index < len(paragraphs) else ""


def normal_title(title: str) -> str:
    """Comparable form of an operation title."""
    title = re.sub(r"\s+Deprecated$", "", title.strip())
    return re.sub(r"\s+", " ", title.rstrip(".")).lower()


def match_seed(
    titles: list[str], upstream: dict[str, Any]
) -> tuple[list[dict[str, str]], list[str]]:
    """Seed titles matched to upstream operations, and the titles left unmatched."""
    by_summary: dict[str, tuple[str, str]] = {}
    for path, method, op in operations(upstream):
        by_summary.setdefault(normal_title(str(op.get("summary", ""))), (method, path))
    matched: list[dict[str, str]] = []
    unmatched: list[str] = []
    for title in titles:
        key = normal_title(title)
        key = normal_title(SEED_ALIASES.get(key, key))
        if key in by_summary:
            method, path = by_summary[key]
            matched.append({"method": method.upper(), "path": path, "summary": title})
        else:
            unmatched.append(title)
    return matched, unmatched


def seed_operations(
    seed_path: Path, upstream: dict[str, Any]
) -> tuple[list[dict[str, str]], list[str]]:
    """The seed-documented operations of the upstream document, and unmatched seed titles."""
    brand = str(upstream.get("info", {}).get("title", "")).split(" ")[0]
    tags = {rebrand(str(t), brand) for _, _, op in operations(upstream) for t in op.get("tags", [])}
    titles = seed_titles(seed_path.read_text(encoding="utf-8"), tags)
    return match_seed(titles, upstream)


# ---------------------------------------------------------------------------- output


class _Dumper(yaml.SafeDumper):
    """Safe dumper that never writes anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        """Repeat shared values instead of aliasing them."""
        return True


def to_yaml(value: Any) -> str:
    """Deterministic block-style YAML of a value."""
    return yaml.dump(
        value,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def resolve(path: str, given: bool) -> Path:
    """A path given on the command line (cwd-relative) or a default (repo-relative)."""
    return Path(path) if given else REPO / path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--upstream", help=f"upstream OpenAPI JSON ({DEFAULT_UPSTREAM})")
    parser.add_argument("--out", help=f"generated spec ({DEFAULT_OUT})")
    parser.add_argument("--seed", help=f"seed document ({DEFAULT_SEED})")
    parser.add_argument("--seed-out", help=f"seed operation list ({DEFAULT_SEED_OUT})")
    parser.add_argument("--overlays", help=f"hand-maintained overlay folder ({DEFAULT_OVERLAYS})")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if --out is not up to date"
    )
    return parser.parse_args(argv)


def apply_overlays(document: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The document with every overlay file of a folder merged over it, in name order."""
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        overlay = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        document = deep_merge(document, overlay)
    return document


def match_path_types(document: dict[str, Any]) -> None:
    """Path parameters naming a resource take the type of that resource's record ids."""
    resources = document["x-mailtwin"].get("resources", {})
    for _, _, op in operations(document):
        resource = resources.get(op.get("x-mailtwin", {}).get("resource"), {})
        for param in op.get("parameters", []):
            if param.get("in") != "path" or param.get("name") != resource.get("param"):
                continue
            schema = param.get("schema", {})
            if schema.get("type") not in (None, resource.get("id_type", "integer")):
                param["schema"] = {"type": resource.get("id_type", "integer")}


def add_parents(document: dict[str, Any]) -> None:
    """A list under another record's path (`/lists/{list_id}/contacts`) needs that record."""
    resources = document["x-mailtwin"].get("resources", {})
    named: dict[str, list[str]] = {}
    for name, body in sorted(resources.items()):
        named.setdefault(str(body.get("param")), []).append(name)
    # A parameter several resources share (blueprint_id) names no parent for certain.
    by_param = {param: names[0] for param, names in named.items() if len(names) == 1}
    for path, _, op in operations(document):
        block = op.get("x-mailtwin", {})
        if block.get("kind") != "list" or "parent" in block:
            continue
        params = [s[1:-1] for s in path.split("/") if s.startswith("{")]
        if params and params[-1] in by_param:
            block["parent"] = {"resource": by_param[params[-1]]}


def bound_integers(document: dict[str, Any]) -> None:
    """Integer parameters read from text hold at most 64 bits: give them that maximum."""
    for _, _, op in operations(document):
        for param in op.get("parameters", []):
            schema = param.get("schema", {})
            if schema.get("type") == "integer" and "maximum" not in schema:
                schema["maximum"] = 2**63 - 1


def unserved(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Operations nothing serves yet: a hook without a hook name, an undeclared action."""
    ext = document["x-mailtwin"]
    resources, lifecycles = ext.get("resources", {}), ext.get("lifecycles", {})
    out: list[tuple[str, str]] = []
    for path, method, op in operations(document):
        block = op.get("x-mailtwin", {})
        if "hook" in block:
            continue
        if block.get("kind") == "hook":
            out.append((method, path))
        elif block.get("kind") == "action":
            life = lifecycles.get(resources.get(block.get("resource"), {}).get("lifecycle"), {})
            if block.get("action") not in life.get("actions", {}):
                out.append((method, path))
    return out


# Statuses the sandbox answers that the published document leaves out, when each applies,
# with the error schema of its body (FastAPI `detail` lists).
ERROR_RESPONSES = (
    ("401", "HTTPUnauthorizedError", lambda op: op["x-mailtwin"].get("auth") != "none"),
    ("403", "HTTPForbiddenError", lambda op: _has_param(op, "query", "account_id")),
    ("404", "HTTPBadRequestError", lambda op: _has_param(op, "path", None)),
)


def _has_param(op: dict[str, Any], place: str, name: str | None) -> bool:
    return any(
        p.get("in") == place and (name is None or p.get("name") == name)
        for p in op.get("parameters", [])
    )


def document_errors(document: dict[str, Any]) -> None:
    """Add the error statuses an operation can answer (401, 403, 404) where it lacks them."""
    schemas = document["components"]["schemas"]
    for _, _, op in operations(document):
        responses = op.setdefault("responses", {})
        for code, schema, applies in ERROR_RESPONSES:
            if code in responses or schema not in schemas or not applies(op):
                continue
            ref = {"$ref": f"#/components/schemas/{schema}"}
            responses[code] = {
                "description": RESPONSE_TEXT[code],
                "content": {"application/json": {"schema": ref}},
            }


def drop_unused_schemas(document: dict[str, Any]) -> None:
    """Remove component schemas no served operation reaches (a smaller spec loads faster)."""
    schemas = document.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    wanted: set[str] = set()
    todo = [r for r in refs_of(document["paths"]) if r.startswith(prefix)]
    while todo:
        name = todo.pop()[len(prefix) :]
        if name in wanted or name not in schemas:
            continue
        wanted.add(name)
        todo.extend(r for r in refs_of(schemas[name]) if r.startswith(prefix))
    for name in [n for n in schemas if n not in wanted]:
        del schemas[name]


def prune(document: dict[str, Any], doomed: list[tuple[str, str]]) -> None:
    """Remove operations (and paths left empty) from a document."""
    for method, path in doomed:
        item = document["paths"][path]
        del item[method]
        if not any(m in item for m in HTTP_METHODS):
            del document["paths"][path]


def write(path: Path, value: Any) -> None:
    """Write a value as YAML, creating the parent directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_yaml(value), encoding="utf-8")


def report(title: str, lines: list[str]) -> None:
    """Print one kind of finding to stderr, one line each."""
    for line in lines:
        print(f"{title}: {line}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Generate the spec and the seed operation list; report problems on stderr."""
    args = parse_args(argv)
    upstream_path = resolve(args.upstream or DEFAULT_UPSTREAM, args.upstream is not None)
    out_path = resolve(args.out or DEFAULT_OUT, args.out is not None)
    overlays = resolve(args.overlays or DEFAULT_OVERLAYS, args.overlays is not None)
    upstream = json.loads(upstream_path.read_text(encoding="utf-8"))
    oddities: list[str] = []
    document = apply_overlays(build_document(upstream, oddities), overlays)
    match_path_types(document)
    bound_integers(document)
    add_parents(document)
    seed_path = resolve(args.seed or DEFAULT_SEED, args.seed is not None)
    seeds, unmatched = seed_operations(seed_path, upstream)
    problems = check_document(document, seeds)
    left_out = unserved(document)
    prune(document, left_out)
    document_errors(document)
    drop_unused_schemas(document)
    report("unmatched seed title", unmatched)
    report("note", oddities)
    report("not served yet", [f"{m.upper()} {p}" for m, p in left_out])
    report("error", problems)
    if args.check:
        fresh = out_path.exists() and out_path.read_text(encoding="utf-8") == to_yaml(document)
        print(f"{out_path}: {'up to date' if fresh else 'stale'}", file=sys.stderr)
        return 0 if fresh and not problems else 1
    write(out_path, document)
    write(resolve(args.seed_out or DEFAULT_SEED_OUT, args.seed_out is not None), seeds)
    count = sum(1 for _ in operations(document))
    print(f"{out_path}: {count} operations, {len(seeds)} seed-documented", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
