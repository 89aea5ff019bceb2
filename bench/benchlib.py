"""Targets and request-body schemas shared by the benchmark runner and the baseline app."""

from __future__ import annotations

import json
import signal
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]
from referencing import Registry
from referencing.jsonschema import DRAFT202012

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DEFAULT_TARGETS = BENCH_DIR / "targets.yaml"
DEFAULT_SPECS = REPO_DIR / "src" / "mailtwin" / "data" / "specs"

# Environment variables through which the runner configures the baseline process.
ENV_TARGETS = "MAILTWIN_BENCH_TARGETS"
ENV_CAPTURED = "MAILTWIN_BENCH_CAPTURED"
ENV_SPECS = "MAILTWIN_BENCH_SPECS"

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Target:
    """One request the benchmark sends over and over."""

    name: str
    provider: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    validate_schema: str | None = None

    @property
    def route_path(self) -> str:
        """Return the path without its query string."""
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> str:
        """Return the raw query string, or an empty string."""
        return self.path.split("?", 1)[1] if "?" in self.path else ""


def _parse_target(raw: Any, index: int) -> Target:
    """Build a Target from one YAML entry, rejecting malformed ones."""
    where = f"targets[{index}]"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: expected a mapping")
    unknown = set(raw) - {
        "name",
        "provider",
        "method",
        "path",
        "headers",
        "body",
        "validate_schema",
    }
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("name", "provider", "method", "path"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ValueError(f"{where}: '{key}' must be a non-empty string")
    method = str(raw["method"]).upper()
    if method not in _METHODS:
        raise ValueError(f"{where}: unsupported method {method!r}")
    if not str(raw["path"]).startswith("/"):
        raise ValueError(f"{where}: path must start with '/'")
    headers_raw = raw.get("headers") or {}
    if not isinstance(headers_raw, Mapping):
        raise ValueError(f"{where}: headers must be a mapping")
    headers = {str(k): str(v) for k, v in headers_raw.items()}
    body: bytes | None = None
    if "body" in raw:
        body = json.dumps(raw["body"], separators=(",", ":")).encode()
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    pointer = raw.get("validate_schema")
    if pointer is not None and (not isinstance(pointer, str) or not pointer.startswith("/")):
        raise ValueError(f"{where}: validate_schema must be a JSON pointer starting with '/'")
    return Target(
        str(raw["name"]), str(raw["provider"]), method, str(raw["path"]), headers, body, pointer
    )


def load_targets(path: Path = DEFAULT_TARGETS) -> list[Target]:
    """Load and check the target list from a YAML file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path}: expected a non-empty list of targets")
    targets = [_parse_target(item, i) for i, item in enumerate(raw)]
    names = [t.name for t in targets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate target names {duplicates}")
    return targets


def _resolve_pointer(document: Any, pointer: str) -> Any:
    """Return the node a JSON pointer names, raising KeyError with the failing segment."""
    node = document
    for segment in pointer[1:].split("/"):
        key = segment.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            raise KeyError(f"no '{key}' on the way to {pointer}")
    return node


class _RecursiveRef(Exception):
    """A schema refers to itself, so it cannot be inlined."""


def _inline_refs(node: Any, document: Any, seen: tuple[str, ...] = ()) -> Any:
    """Return node with every local `$ref` replaced by the schema it names."""
    if isinstance(node, list):
        return [_inline_refs(item, document, seen) for item in node]
    if not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if not (isinstance(ref, str) and ref.startswith("#/")):
        return {key: _inline_refs(value, document, seen) for key, value in node.items()}
    if ref in seen:
        raise _RecursiveRef(ref)
    target = _inline_refs(
        _resolve_pointer(document, urllib.parse.unquote(ref[1:])), document, (*seen, ref)
    )
    siblings = {k: _inline_refs(v, document, seen) for k, v in node.items() if k != "$ref"}
    return {"allOf": [target], **siblings} if siblings else target


def compile_validator(specs_dir: Path, provider: str, pointer: str) -> Draft202012Validator:
    """Compile a Draft 2020-12 validator for the schema at `pointer` in a provider spec."""
    spec_path = specs_dir / f"{provider}.yaml"
    if not spec_path.is_file():
        raise FileNotFoundError(f"validate_schema needs {spec_path}, which does not exist")
    document = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    try:
        schema = _resolve_pointer(document, pointer)
        # Inlined schemas validate about 5x faster than ones resolving `$ref` per request.
        return _checked(_inline_refs(schema, document))
    except KeyError as exc:
        raise KeyError(f"{spec_path}: {exc.args[0]}") from None
    except _RecursiveRef:
        pass
    # Recursive schemas: register the whole spec so `#/components/...` references resolve.
    uri = f"urn:mailtwin-bench:spec:{provider}"
    resource = DRAFT202012.create_resource(document)
    registry: Registry[Any] = Registry().with_resource(uri, resource).crawl()
    fragment = urllib.parse.quote(pointer, safe="/~")
    return _checked({"$ref": f"{uri}#{fragment}"}, registry)


def _checked(schema: Any, registry: Registry[Any] | None = None) -> Draft202012Validator:
    """Check a schema against the 2020-12 metaschema and compile its validator."""
    Draft202012Validator.check_schema(schema)
    if registry is None:
        return Draft202012Validator(schema)
    return Draft202012Validator(schema, registry=registry)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def stop_servers_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so the servers a run started are stopped in `finally`."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
