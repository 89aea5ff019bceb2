"""A provider's effective OpenAPI 3.1 document (the paths as served, under the mount prefix),
and `mailtwin openapi`, which writes or prints them."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mailtwin.config import Config, ConfigError
from mailtwin.provider import Provider
from mailtwin.sources import provider_specs
from mailtwin.validation import JSON_TYPES
from mailtwin.yamlsource import SourceError, escape_pointer_token

# Keys whose value is copied as it is: examples and values are data, not OpenAPI objects.
LITERAL = frozenset({"example", "default", "const", "enum", "value", "security", "required"})
# Keys whose value maps user-chosen names to objects: a name such as `x-id` is not an extension.
NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
                   "content", "headers", "links", "encoding", "variables", "scopes", "mapping",
                   "schemas", "securitySchemes", "requestBodies", "pathItems", "webhooks",
                   "callbacks", "examples", "parameters"})
# Keys whose value maps names to objects but may also hold extensions (OpenAPI allows them).
NAMED_WITH_EXTENSIONS = frozenset({"paths", "responses"})


def effective_document(provider: Provider, keep_extensions: bool = False) -> dict[str, Any]:
    """The provider's spec as served: paths under the mount, `x-` keys gone unless kept.

    Example: mount `/emma` and path `/{account_id}/mailings` give `/emma/{account_id}/mailings`.
    """
    document = provider.spec.document
    mount = provider.mount.rstrip("/")
    prefix = "#/paths/"

    def rewrite(ref: str) -> str:
        if not ref.startswith(prefix):
            return ref
        return prefix + escape_pointer_token(mount) + ref[len(prefix):]

    out: dict[str, Any] = _object(document, rewrite, keep_extensions)
    out["paths"] = {(str(path) if str(path).startswith("x-") else mount + str(path)): item
                    for path, item in out.get("paths", {}).items()}
    for item in out["paths"].values():
        for operation in item.values() if isinstance(item, dict) else ():
            _null_is_no_body(operation)
    # The real provider's servers are not where the sandbox answers; `/` is the sandbox root.
    out["servers"] = [{"url": "/"}]
    return out


def _null_is_no_body(operation: Any) -> None:
    """An optional JSON body also takes `null` (the sandbox reads it as no body), so the
    document says so."""
    body = operation.get("requestBody") if isinstance(operation, dict) else None
    if not isinstance(body, dict) or body.get("required") or "$ref" in body:
        return
    for media_type in JSON_TYPES:
        media = body.get("content", {}).get(media_type)
        if isinstance(media, dict) and "schema" in media:
            media["schema"] = {"anyOf": [media["schema"], {"type": "null"}]}


def _object(node: Any, rewrite: Callable[[str], str], keep: bool) -> Any:
    """An OpenAPI or JSON Schema object with extensions stripped and local refs rewritten."""
    if isinstance(node, list):
        return [_object(item, rewrite, keep) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        name = str(key)
        if name.startswith("x-") and not keep:
            continue
        if name == "$ref" and isinstance(value, str):
            out[name] = rewrite(value)
        elif name in LITERAL:
            out[name] = value
        elif isinstance(value, dict) and (name in NAMED or name in NAMED_WITH_EXTENSIONS
                                          or name == "components"):
            strip = not keep and name in NAMED_WITH_EXTENSIONS | {"components"}
            out[name] = {k: _named(name, v, rewrite, keep) for k, v in value.items()
                         if not (strip and str(k).startswith("x-"))}
        else:
            out[name] = _object(value, rewrite, keep)
    return out


def _named(parent: str, value: Any, rewrite: Callable[[str], str], keep: bool) -> Any:
    """One entry of a name map; under `components` each entry is itself a name map."""
    if parent == "components" and isinstance(value, dict):
        return {k: _object(v, rewrite, keep) for k, v in value.items()}
    return _object(value, rewrite, keep)


def write_documents(config: Config, names: list[str] | None, out: Path | None,
                    keep_extensions: bool) -> int:
    """Write `<provider>.json` per provider into `out` (or print them); 2 on a bad request."""
    try:
        specs = {spec.name: spec for spec in provider_specs(config)}
    except (SourceError, ConfigError) as error:
        print(error, file=sys.stderr)
        return 2
    unknown = sorted(set(names or ()) - set(specs))
    if unknown:
        print(f"unknown provider(s): {', '.join(unknown)} (known: {', '.join(sorted(specs))})",
              file=sys.stderr)
        return 2
    chosen = [specs[name] for name in (names or sorted(specs))]
    documents = {spec.name: effective_document(Provider(spec), keep_extensions)
                 for spec in chosen}
    if out is None:
        json.dump(documents if len(documents) != 1 else next(iter(documents.values())),
                  sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        target = out / f"{name}.json"
        target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(target)
    return 0
