"""The one error type handlers raise; each provider's convention decides how it looks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: where (`("body", "name")`), what, and its kind."""

    location: Location
    message: str
    kind: str = "value_error"

    def dotted(self) -> str:
        """`("body", "variants", 0, "name")` -> `variants[0].name` (the place without its part)."""
        text = ""
        for part in self.location[1:]:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return text


@dataclass
class ApiError(Exception):
    """An answer other than success: a status and the problems behind it."""

    status: int
    problems: list[Problem]
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    def summary(self) -> str:
        """All problems in one line, places first."""
        parts = []
        for problem in self.problems:
            place = problem.dotted()
            parts.append(f"{place}: {problem.message}" if place else problem.message)
        return "; ".join(parts) or self.title


def not_found(what: str, ident: object) -> ApiError:
    """404 for an unknown id."""
    return ApiError(404, [Problem(("path",), f"{what} {ident} not found", "not_found")],
                    title="Not Found")


def bad_request(message: str, location: Location = ("body",), kind: str = "bad_request",
                status: int = 400) -> ApiError:
    """400 (or the status given) with a single problem."""
    return ApiError(status, [Problem(location, message, kind)], title="Bad Request")
