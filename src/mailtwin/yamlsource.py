"""Read YAML files fast, and find the line behind a JSON pointer when reporting a problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class SourceError(Exception):
    """A problem in a spec or fixture file, located by file, line and JSON pointer."""

    def __init__(self, path: Path | str, line: int | None, pointer: str, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.pointer = pointer
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {pointer or '/'}: {message}")


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; syntax errors become a SourceError with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        row = exc.object.count(b"\n", 0, exc.start) + 1
        raise SourceError(path, row, "", f"not UTF-8 text: {exc}") from exc
    except OSError as exc:
        raise SourceError(path, None, "", f"cannot read file: {exc}") from exc
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise SourceError(path, line, "", f"invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        # A reader error (a control character) carries a character offset, not a mark.
        position = getattr(exc, "position", None)
        at = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
        raise SourceError(path, at, "", f"invalid YAML: {exc}") from exc


def escape_pointer_token(token: object) -> str:
    """Escape one JSON-pointer token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_of(parts: tuple[object, ...] | list[object]) -> str:
    """Turn path parts into a JSON pointer: ("paths", "/a", 0) -> "/paths/~1a/0"."""
    return "".join("/" + escape_pointer_token(part) for part in parts)


def line_of(path: Path | str, parts: tuple[object, ...] | list[object]) -> int | None:
    """Find the 1-based line of the node at `parts`, or of its nearest existing ancestor.

    Only called when reporting a problem, so composing the file again costs nothing at start.
    """
    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    best = node.start_mark.line + 1 if node is not None else None
    for part in parts:
        child = _child(node, part)
        if child is None:
            break
        node = child
        best = node.start_mark.line + 1
    return best


def _child(node: Any, part: object) -> Any:
    """The child node of a mapping (by key) or sequence (by index), or None."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == str(part):
                return value
        return None
    if isinstance(node, yaml.SequenceNode):
        try:
            return node.value[int(str(part))]
        except (ValueError, IndexError):
            return None
    return None
