"""Operations compiled once from the spec: kind, resource, validators, hook name, answer."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from mailtwin.provider import Provider
from mailtwin.resource import Resource, reference_problem
from mailtwin.spec import OperationSpec
from mailtwin.validation import BodyParser, ParameterSet, Schemas
from mailtwin.yamlsource import SourceError, line_of, pointer_of


@dataclass
class Operation:
    """One routed operation, ready to validate and serve requests."""

    spec: OperationSpec
    provider: Provider
    kind: str
    resource: Resource | None
    path_params: ParameterSet
    query_params: ParameterSet
    body: BodyParser
    hook: str | None
    respond_status: int | None
    respond_body: Any
    needs_auth: bool
    # Pointers into the record whose first non-empty value is the answer, as an HTML page.
    respond_page: tuple[str, ...] = ()
    # Body and query pointers whose values must name existing records (see references.py).
    references: tuple[dict[str, Any], ...] = ()

    @property
    def ext(self) -> dict[str, Any]:
        return self.spec.ext

    @property
    def full_path(self) -> str:
        return self.provider.mount + self.spec.path

    def describe(self) -> dict[str, str]:
        return {"method": self.spec.method, "path": self.full_path,
                "operation": self.spec.operation_id, "provider": self.provider.name,
                "kind": self.kind}


# Kinds whose body a resource's own `references` apply to.
REFERRING = frozenset({"create", "update", "replace"})


def infer_kind(method: str, path: str) -> str:
    """Conventions: GET/POST on a collection, GET/PATCH/PUT/DELETE on an item, POST item/verb."""
    segments = [s for s in path.strip("/").split("/") if s]
    last = segments[-1] if segments else ""
    on_item = last.startswith("{")
    if on_item:
        return {"GET": "get", "PATCH": "update", "PUT": "replace", "DELETE": "delete"}.get(
            method, "hook")
    after_item = len(segments) > 1 and segments[-2].startswith("{")
    if method == "POST" and after_item:
        return "action"
    return {"GET": "list", "POST": "create"}.get(method, "hook")


def infer_resource(provider: Provider, path: str) -> str | None:
    """The resource whose id parameter is the last one in the path."""
    params = [s[1:-1] for s in path.strip("/").split("/") if s.startswith("{")]
    for name in reversed(params):
        for resource in provider.resources.values():
            if resource.param == name:
                return resource.name
    return None


def compile_operation(provider: Provider, spec: OperationSpec, schemas: Schemas,
                      hooks: Collection[str] = ()) -> Operation:
    """Resolve the kind, resource and validators of one operation; a hook it names must be
    one of `hooks` (the names the provider's hook module defines)."""
    ext = spec.ext
    kind = ext.get("kind") or infer_kind(spec.method, spec.path)
    resource_name = ext.get("resource") or infer_resource(provider, spec.path)
    source = provider.spec.source

    def fail(key: str, message: str) -> SourceError:
        at = (*spec.pointer, "x-mailtwin", key)
        return SourceError(source, line_of(source, at), pointer_of(at), message)

    if kind != "hook" and resource_name is None:
        raise fail("resource", f"a {kind} operation needs a resource")
    hook_name = ext.get("hook")
    if hook_name is not None and hook_name not in hooks:
        raise fail("hook", f"hook {hook_name!r} is not defined by {provider.spec.ext.get('hooks')}")
    if kind == "hook" and hook_name is None:
        raise fail("hook", "a hook operation must name its hook")
    resource = provider.resources.get(resource_name) if resource_name else None
    if kind == "action" and resource is not None and hook_name is None:
        action = ext.get("action") or spec.path.rstrip("/").rsplit("/", 1)[-1]
        if resource.lifecycle is None or (action not in resource.lifecycle.actions
                                          and "action_from" not in ext):
            raise fail("action", f"{resource.name} has no lifecycle action {action!r}")
    for index, ref in enumerate(ext.get("references", ())):
        path_params = [p["name"] for p in spec.parameters if p.get("in") == "path"]
        problem = reference_problem(ref, provider.resources, provider.missing_message,
                                    path_params)
        if problem is not None:
            raise fail("references", f"references[{index}]: {problem}")
    respond = ext.get("respond", {})
    return Operation(
        spec=spec, provider=provider, kind=kind, resource=resource,
        path_params=ParameterSet("path", spec.parameters, provider.spec.document, schemas),
        query_params=ParameterSet("query", spec.parameters, provider.spec.document, schemas),
        body=BodyParser(spec, provider.spec.document, schemas),
        hook=hook_name, respond_status=respond.get("status"), respond_body=respond.get("body"),
        needs_auth=ext.get("auth", "required") == "required",
        respond_page=tuple(respond.get("page", ())),
        references=(*(resource.references if resource is not None and kind in REFERRING
                      else ()), *ext.get("references", ())))
