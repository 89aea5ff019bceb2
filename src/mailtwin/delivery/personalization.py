"""Personalization syntaxes a provider declares (`delivery: {personalization: NAME}`): each
finds the names a text uses and fills them from a recipient's values.

    >>> SYNTAXES["mustache"].fill("Hi {{ first_name }}", {"first_name": "Ada"})
    'Hi Ada'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Syntax:
    """How placeholders look: `names(text)` the names used, `fill(text, values)` the text
    with them replaced (an unknown name becomes empty)."""

    names: Callable[[str], set[str]]
    fill: Callable[[str, Mapping[str, Any]], str]


def _pattern_syntax(pattern: re.Pattern[str]) -> Syntax:
    def names(text: str) -> set[str]:
        return set(pattern.findall(text))

    def fill(text: str, values: Mapping[str, Any]) -> str:
        return pattern.sub(lambda m: "" if values.get(m.group(1)) is None
                           else str(values[m.group(1)]), text)

    return Syntax(names, fill)


def _as_is(text: str, values: Mapping[str, Any]) -> str:
    return text


SYNTAXES: dict[str, Syntax] = {
    # `{{ first_name }}`, `{{contact.first_name}}`
    "mustache": _pattern_syntax(re.compile(r"\{\{\s*(?:contact\.)?([A-Za-z0-9_.-]+)\s*\}\}")),
    # `[% member:first_name %]` (a default after the name is ignored here)
    "member-tags": _pattern_syntax(re.compile(r"\[%\s*member:([A-Za-z0-9_.-]+)[^%]*%\]")),
    "none": Syntax(lambda text: set(), _as_is),
}
