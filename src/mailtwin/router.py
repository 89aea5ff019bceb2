"""Compiled routes: a segment tree built once, walked per request.

`match` answers the target for a method and path, the path parameters, and whether the
path exists under another method (405) or not at all (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
RECENT_LIMIT = 4096
RECENT_PATH_MAX = 512


@dataclass
class _Node(Generic[T]):
    static: dict[str, _Node[T]] = field(default_factory=dict)
    param: tuple[str, _Node[T]] | None = None
    targets: dict[str, T] = field(default_factory=dict)


@dataclass(frozen=True)
class Match(Generic[T]):
    """The outcome of a lookup: a target, or the methods the path allows (empty: 404)."""

    target: T | None
    params: dict[str, str]
    allowed: tuple[str, ...]


class Router(Generic[T]):
    """Routes path templates such as `/emma/{account_id}/mailings/{mailing_id}`."""

    def __init__(self) -> None:
        self._root: _Node[T] = _Node()
        # Clients repeat their paths, so recent answers are kept (the tree never changes
        # once served; `add` forgets them).
        self._recent: dict[tuple[str, str], Match[T]] = {}

    def add(self, method: str, template: str, target: T) -> None:
        """Register a target; literal segments win over parameters at the same depth."""
        node = self._root
        for segment in _segments(template):
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                if node.param is None:
                    node.param = (name, _Node())
                elif node.param[0] != name:
                    raise ValueError(f"{template}: parameter {{{name}}} clashes with "
                                     f"{{{node.param[0]}}} at the same place")
                node = node.param[1]
            else:
                node = node.static.setdefault(segment, _Node())
        if method in node.targets:
            raise ValueError(f"{method} {template} is declared twice")
        node.targets[method] = target
        self._recent.clear()

    def match(self, method: str, path: str) -> Match[T]:
        """Find the target for a request; literal segments are tried before parameters.
        The answer's params are shared with later answers for the same path: read only."""
        key = (method, path)
        known = self._recent.get(key)
        if known is None:
            known = self._match(method, path)
            if len(path) > RECENT_PATH_MAX:
                return known
            if len(self._recent) >= RECENT_LIMIT:
                self._recent.clear()
            self._recent[key] = known
        return known

    def _match(self, method: str, path: str) -> Match[T]:
        found = self._walk(self._root, _segments(path), 0, {})
        if found is None:
            return Match(None, {}, ())
        node, params = found
        target = node.targets.get(method)
        if target is None and method == "HEAD":
            target = node.targets.get("GET")
        return Match(target, params, tuple(sorted(node.targets)))

    def _walk(self, node: _Node[T], parts: list[str], i: int, params: dict[str, str]
              ) -> tuple[_Node[T], dict[str, str]] | None:
        if i == len(parts):
            return (node, params) if node.targets else None
        part = parts[i]
        child = node.static.get(part)
        if child is not None:
            # A concrete path wins over a template even without the method (OpenAPI's
            # matching rule), so `PUT /mailings/validate` is a 405, not a mailing id.
            found = self._walk(child, parts, i + 1, params)
            if found is not None:
                return found
        if node.param is not None and part:
            name, sub = node.param
            return self._walk(sub, parts, i + 1, {**params, name: part})
        return None


def _segments(path: str) -> list[str]:
    """Split a path into segments; a trailing slash is ignored, as most providers do."""
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []
