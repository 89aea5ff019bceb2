"""A provider compiled from its spec: resources, lifecycles and the conventions that do not
depend on a request (errors, auth scheme, timestamps) resolved."""

from __future__ import annotations

from typing import Any

from mailtwin.conventions.errors import RENDERERS, ErrorRenderer
from mailtwin.conventions.timestamps import STYLES, TimestampStyle
from mailtwin.errors import ApiError, Location, Problem
from mailtwin.lifecycle import Lifecycle
from mailtwin.resource import Resource, reference_problem
from mailtwin.spec import ProviderSpec
from mailtwin.store import Collection, Collections, Tenant
from mailtwin.yamlsource import SourceError, line_of, pointer_of

# Status of a validation failure by error style and by the place of the problem.
VALIDATION_STATUS: dict[str, dict[str, int]] = {
    "error-key": {"path": 404, "query": 400, "body": 400, "header": 400},
    "jsonapi": {"path": 404, "query": 400, "body": 422, "header": 400},
    "fastapi": {"path": 422, "query": 422, "body": 422, "header": 422},
    "drf": {"path": 404, "query": 400, "body": 400, "header": 400},
}
MALFORMED_STATUS = {"error-key": 400, "jsonapi": 400, "fastapi": 422, "drf": 400}


class Provider:
    """Everything about one provider that does not change while the server runs."""

    def __init__(self, spec: ProviderSpec) -> None:
        conv = spec.conventions
        self.spec = spec
        self.name = spec.name
        self.mount = spec.mount
        self.error_style: str = conv["errors"]
        self.render_error: ErrorRenderer = RENDERERS[conv["errors"]]
        self.auth: dict[str, Any] = dict(conv["auth"])
        self.paging: dict[str, Any] = dict(conv["pagination"])
        self.style: TimestampStyle = STYLES[conv["timestamps"]]
        refusal = conv.get("refusals", {})
        self.refusal_status: int = int(refusal.get("status", 400))
        self.refusal_kind: str = str(refusal.get("kind", "bad_request"))
        self.refusal_text: bool = refusal.get("location") == "text"
        self.missing_message: str = str(refusal.get("missing", "{resource} {id} does not exist"))
        self.media_type: str = conv.get("media_type", "application/json")
        self.omit_nulls: bool = bool(conv.get("omit_nulls", False))
        self.lifecycles = {name: self._lifecycle(name, body)
                           for name, body in spec.lifecycles.items()}
        self.resources = {name: self._resource(name, body)
                          for name, body in spec.resources.items()}
        owners: dict[str, list[str]] = {}
        for name, resource in self.resources.items():
            owners.setdefault(resource.param, []).append(name)
        # The resource a path parameter names, where only one resource uses that name.
        self.path_owners = {param: names[0] for param, names in owners.items()
                            if len(names) == 1}
        for name, resource in self.resources.items():
            for index, ref in enumerate(resource.references):
                problem = reference_problem(ref, self.resources, self.missing_message,
                                            resource.scope)
                if problem is not None:
                    at = ("x-mailtwin", "resources", name, "references", index)
                    raise SourceError(spec.source, line_of(spec.source, at), pointer_of(at),
                                      problem)
        suppress = (spec.ext.get("delivery") or {}).get("suppress")
        if suppress and suppress["resource"] not in self.resources:
            where = ("x-mailtwin", "delivery", "suppress", "resource")
            raise SourceError(spec.source, line_of(spec.source, where), pointer_of(where),
                              f"delivery suppresses addresses in {suppress['resource']!r}, "
                              "which is no resource of the provider")

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
            lookup=body.get("lookup"), references=tuple(body.get("references", [])),
            id_template=body.get("id_template"), secrets=tuple(body.get("secrets", [])),
            extra={key: body[key] for key in ("jsonapi",) if key in body})

    def validation_status(self, place: str) -> int:
        return VALIDATION_STATUS[self.error_style].get(place, 400)

    def malformed_status(self) -> int:
        return MALFORMED_STATUS[self.error_style]

    def refuse(self, message: str, location: Location = ("body",),
               status: int | None = None) -> ApiError:
        """A refusal in the provider's style (`conventions.refusals`): 400 `bad_request`
        unless declared otherwise; `location: text` writes every place as text."""
        where = tuple(str(part) for part in location) if self.refusal_text else location
        return ApiError(status or self.refusal_status,
                        [Problem(where, message, self.refusal_kind)], title="Bad Request")

    def empty_tenant(self) -> Tenant:
        """A tenant with an empty collection per resource."""
        return Tenant(Collections.of({name: Collection(r.id_field, r.indexes)
                                      for name, r in self.resources.items()}))
