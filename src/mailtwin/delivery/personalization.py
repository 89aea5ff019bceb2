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


def _with_defaults(pattern: re.Pattern[str]) -> Syntax:
    """Placeholders whose second group is a default, used when the value is missing or
    empty: `[% member:first_name | "there" %]`."""
    def names(text: str) -> set[str]:
        return {match.group(1) for match in pattern.finditer(text)}

    def fill(text: str, values: Mapping[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            value = values.get(match.group(1))
            return str(value) if value not in (None, "") else (match.group(2) or "")

        return pattern.sub(one, text)

    return Syntax(names, fill)


def _as_is(text: str, values: Mapping[str, Any]) -> str:
    return text


_TAG = re.compile(r"\[%(.*?)%\]", re.DOTALL)
_FIELD = re.compile(r'^(member|account|mailing):([A-Za-z_][A-Za-z0-9_]*)(?:\s*\|\s*"([^"]*)")?$')


def _tag_name(body: str) -> tuple[str, str] | None:
    """The value name of a field tag (`first_name` for member fields, `account:name` for
    the others) and its default; None for any other tag."""
    found = _FIELD.match(body.strip())
    if found is None:
        return None
    space, name, default = found.groups()
    return (name if space == "member" else f"{space}:{name}"), default or ""


def _tag_names(text: str) -> set[str]:
    return {named[0] for match in _TAG.finditer(text)
            if (named := _tag_name(match.group(1))) is not None}


def _fill_tags(text: str, values: Mapping[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        named = _tag_name(match.group(1))
        if named is None:
            return ""
        value = values.get(named[0])
        return str(value) if value not in (None, "") else named[1]

    return _TAG.sub(one, text)


SYNTAXES: dict[str, Syntax] = {
    # `{{ first_name }}`, `{{contact.first_name}}`
    "mustache": _pattern_syntax(re.compile(r"\{\{\s*(?:contact\.)?([A-Za-z0-9_.-]+)\s*\}\}")),
    # `[% member:first_name | "friend" %]`, `[% account:name %]` (values `first_name`,
    # `account:name`); a value that is missing or empty gives the default; other tags go
    "member-tags": Syntax(_tag_names, _fill_tags),
    "none": Syntax(lambda text: set(), _as_is),
}
