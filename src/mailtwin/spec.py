"""Load provider specs: OpenAPI 3.1 documents with x-mailtwin keys, checked before use.

No HTTP and no state here: the result is plain, immutable data that the app compiles once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from mailtwin.yamlsource import SourceError, line_of, load_yaml, pointer_of

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class OperationSpec:
    """One method on one path of a provider, as written in its spec."""

    method: str
    path: str
    operation_id: str
    document: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]
    ext: dict[str, Any]
    pointer: tuple[str, ...]

    @property
    def request_body(self) -> dict[str, Any] | None:
        body = self.document.get("requestBody")
        return body if isinstance(body, dict) else None


@dataclass(frozen=True)
class ProviderSpec:
    """A provider: its document, its extension block and its operations."""

    name: str
    mount: str
    source: Path
    document: dict[str, Any]
    ext: dict[str, Any]
    operations: tuple[OperationSpec, ...] = field(default_factory=tuple)

    @property
    def conventions(self) -> dict[str, Any]:
        return dict(self.ext["conventions"])

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.ext.get("resources", {}))

    @property
    def lifecycles(self) -> dict[str, dict[str, Any]]:
        return dict(self.ext.get("lifecycles", {}))


@cache
def extension_schema() -> dict[str, Any]:
    """The JSON Schema of the x-mailtwin vocabulary, shipped with the package."""
    text = resources.files("mailtwin").joinpath("extension-schema.yaml").read_text("utf-8")
    import yaml

    schema: dict[str, Any] = yaml.safe_load(text)
    return schema


@cache
def _validator(definition: str) -> jsonschema.Draft202012Validator:
    schema = dict(extension_schema())
    schema["$ref"] = f"#/$defs/{definition}"
    return jsonschema.Draft202012Validator(schema)


def _check(source: Path, value: Any, definition: str, at: tuple[object, ...]) -> None:
    """Raise a SourceError for the first problem of `value` against a vocabulary definition."""
    errors = sorted(_validator(definition).iter_errors(value), key=lambda e: list(e.path))
    if not errors:
        return
    best = jsonschema.exceptions.best_match(errors)
    where = (*at, *best.absolute_path)
    raise SourceError(source, line_of(source, where), pointer_of(where), best.message)


def load_provider(source: Path) -> ProviderSpec:
    """Read and check one spec file; an unchanged file that passed before is read back from
    the disk cache (only specs that pass are cached)."""
    from mailtwin.diskcache import cached, key_of

    try:
        raw = source.read_bytes()
    except OSError:
        return _load_provider(source)
    return cached(key_of("spec", [str(source).encode(), raw]), lambda: _load_provider(source))


def _load_provider(source: Path) -> ProviderSpec:
    """Read one spec file and check its structure and extension vocabulary."""
    document = load_yaml(source)
    if not isinstance(document, dict):
        raise SourceError(source, 1, "", "a spec must be a mapping (an OpenAPI document)")
    if not str(document.get("openapi", "")).startswith("3.1"):
        raise SourceError(source, line_of(source, ("openapi",)), "/openapi",
                          "only OpenAPI 3.1 documents are accepted")
    ext = document.get("x-mailtwin")
    if ext is None:
        raise SourceError(source, 1, "/x-mailtwin", "missing the x-mailtwin block")
    _check(source, ext, "document", ("x-mailtwin",))
    operations = tuple(_operations(source, document))
    _check_references(source, ext, operations)
    return ProviderSpec(ext["provider"], ext["mount"], source, document, ext, operations)


def _operations(source: Path, document: dict[str, Any]) -> Iterator[OperationSpec]:
    paths = document.get("paths") or {}
    if not isinstance(paths, dict):
        raise SourceError(source, line_of(source, ("paths",)), "/paths", "paths must be a mapping")
    for path, item in paths.items():
        if not isinstance(item, dict) or not str(path).startswith("/"):
            raise SourceError(source, line_of(source, ("paths", path)), pointer_of(("paths", path)),
                              "a path must start with / and hold a mapping of operations")
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            at = ("paths", str(path), method)
            if not isinstance(op, dict):
                raise SourceError(source, line_of(source, at), pointer_of(at),
                                  "an operation must be a mapping")
            ext = op.get("x-mailtwin", {})
            _check(source, ext, "operation", (*at, "x-mailtwin"))
            params = _merge_parameters(_resolve(document, shared),
                                       _resolve(document, op.get("parameters", [])))
            op_id = op.get("operationId") or f"{method}_{path}"
            yield OperationSpec(method.upper(), str(path), str(op_id), op, params, ext, at)


def _resolve(document: dict[str, Any], params: Any) -> list[Any]:
    """Parameters with `$ref: '#/components/parameters/x'` replaced by what they point at."""
    out = []
    for param in params if isinstance(params, list) else []:
        ref = param.get("$ref") if isinstance(param, dict) else None
        if isinstance(ref, str) and ref.startswith("#/"):
            node: Any = document
            for part in ref[2:].split("/"):
                key = part.replace("~1", "/").replace("~0", "~")
                node = node.get(key) if isinstance(node, dict) else None
            param = node
        out.append(param)
    return out


def _merge_parameters(shared: list[Any], own: list[Any]) -> tuple[dict[str, Any], ...]:
    """Path-level parameters overridden by operation-level ones with the same name and place."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for param in [*shared, *own]:
        if isinstance(param, dict) and "name" in param:
            merged[(str(param.get("in")), str(param["name"]))] = param
    return tuple(merged.values())


def _check_references(source: Path, ext: dict[str, Any], ops: tuple[OperationSpec, ...]) -> None:
    """Every resource, lifecycle and related resource named must be declared."""
    resources_ = ext.get("resources", {})
    lifecycles = ext.get("lifecycles", {})
    for name, resource in resources_.items():
        life = resource.get("lifecycle")
        if life is not None and life not in lifecycles:
            at = ("x-mailtwin", "resources", name, "lifecycle")
            raise SourceError(source, line_of(source, at), pointer_of(at),
                              f"unknown lifecycle {life!r}")
    webhooks = ext.get("webhooks") or {}
    named_here: list[tuple[tuple[object, ...], Any]] = [(("resource",), webhooks.get("resource"))]
    for event, triggers in webhooks.get("events", {}).items():
        for index, trigger in enumerate(triggers if isinstance(triggers, list) else [triggers]):
            named_here += [(("events", event, *([index] if isinstance(triggers, list) else []),
                             key), trigger[key])
                           for key in ("created", "updated", "deleted", "moved", "acted")
                           if key in trigger]
    for keys, value in named_here:
        if value is not None and value not in resources_:
            hook_at: tuple[object, ...] = ("x-mailtwin", "webhooks", *keys)
            raise SourceError(source, line_of(source, hook_at), pointer_of(hook_at),
                              f"unknown resource {value!r}")
    for op in ops:
        named: list[tuple[tuple[str, ...], Any]] = [(("resource",), op.ext.get("resource"))]
        named += [((key, "resource"), op.ext.get(key, {}).get("resource"))
                  for key in ("related", "parent")]
        for keys, value in named:
            if value is not None and value not in resources_:
                where = (*op.pointer, "x-mailtwin", *keys)
                raise SourceError(source, line_of(source, where), pointer_of(where),
                                  f"unknown resource {value!r}")


def load_specs(builtin: Sequence[Path], user: Sequence[Path] = ()) -> list[ProviderSpec]:
    """Load providers: a user spec with a built-in provider's name replaces it; otherwise two
    providers may not share a name, and no two served providers may share a mount."""
    chosen = {spec.name: spec for spec in map(load_provider, builtin)}
    own: dict[str, Path] = {}
    for spec in map(load_provider, user):
        if spec.name in own:
            raise _taken(spec, spec.name, own[spec.name])
        own[spec.name] = spec.source
        chosen[spec.name] = spec
    mounts: dict[str, Path] = {}
    for spec in chosen.values():
        if spec.mount in mounts:
            raise _taken(spec, spec.mount, mounts[spec.mount])
        mounts[spec.mount] = spec.source
    return list(chosen.values())


def _taken(spec: ProviderSpec, key: str, other: Path) -> SourceError:
    return SourceError(spec.source, line_of(spec.source, ("x-mailtwin",)), "/x-mailtwin",
                       f"{key!r} is already used by {other}")
