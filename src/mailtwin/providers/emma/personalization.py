"""Personalization tags such as `[% member:first_name %]`: syntax checks and rendering."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

TAG = re.compile(r"\[%(.*?)%\]", re.DOTALL)
FIELD_TAG = re.compile(r'^(member|account|mailing):([A-Za-z_][A-Za-z0-9_]*)'
                       r'(?:\s*\|\s*"([^"]*)")?$')
KEYWORDS = frozenset({"unsubscribe", "webview", "forward", "date", "year"})


def invalid_tags(text: str | None) -> list[str]:
    """Tags that are not well formed, in order of appearance; unclosed `[%` count too."""
    if not text:
        return []
    bad = [match.group(0) for match in TAG.finditer(text)
           if not _valid(match.group(1).strip())]
    rest = TAG.sub("", text)
    opened = rest.find("[%")
    if opened != -1:
        bad.append(rest[opened:opened + 40])
    elif "%]" in rest:
        bad.append(rest[max(0, rest.find("%]") - 38):rest.find("%]") + 2])
    return bad


def _valid(body: str) -> bool:
    return bool(FIELD_TAG.match(body)) or body in KEYWORDS


def render(text: str | None, values: Mapping[str, Mapping[str, Any]],
           keep_member: bool = False) -> str | None:
    """Replace each tag by its value (`values["member"]["first_name"]`), or its default, or
    ''; with `keep_member`, member tags stay for each recipient's message to fill."""
    if text is None:
        return None

    def one(match: re.Match[str]) -> str:
        found = FIELD_TAG.match(match.group(1).strip())
        if found is None:
            return ""
        space, name, default = found.groups()
        if keep_member and space == "member":
            return match.group(0)
        value = values.get(space, {}).get(name)
        return str(value) if value not in (None, "") else (default or "")

    return TAG.sub(one, text)
