"""Seed titles matched to the upstream operations they document."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .facts import operations
from .naming import rebrand

# Seed titles that differ from the upstream summary of the same operation.
SEED_ALIASES = {
    "send a transactional email": "Send an email",
    "create a token": "Create or Refresh a token",
    "show transactional email logs": "Show email activity logs",
    "show transactional email report": "Show email stats",
    "show all asynchronous task": "Show all asynchronous Tasks",
    "show a tag": "Show a Contact Tag",
    "delete a tag": "Delete a Contact Tag",
    "edit tag": "Edit a Contact Tag",
    "show all tags": "List Contact Tags",
    "create a tag": "Create a Contact Tag",
}
SEED_MARKERS = (
    "Authorizations:",
    "path Parameters",
    "query Parameters",
    "header Parameters",
    "Request Body schema",
    "Responses",
)
SEED_BLOCK_ENDS = ("}", "]", "{}", "[]")


def seed_titles(text: str, tags: set[str]) -> list[str]:
    """Operation titles of the seed document, in document order."""
    # A block runs from the end of the previous response sample up to its "Responses" line;
    # its title is the paragraph after the last tag heading, else its first paragraph.
    titles: list[str] = []
    block: list[str] = []
    for line in text.splitlines():
        if line in SEED_BLOCK_ENDS or line.startswith("Download OpenAPI specification"):
            block = []
        elif line == "Responses":
            titles.append(block_title(block, tags))
            block = []
        else:
            block.append(line)
    return [t for t in titles if t]


def block_title(block: list[str], tags: set[str]) -> str:
    """The title paragraph of one seed operation block."""
    head: list[str] = []
    for line in block:
        if line.startswith(SEED_MARKERS):
            break
        head.append(line)
    paragraphs = [p.strip() for p in "\n".join(head).split("\n\n") if p.strip()]
    tagged = [i for i, p in enumerate(paragraphs[:-1]) if p in tags]
    index = tagged[-1] + 1 if tagged else 0
    return paragraphs[index] if index < len(paragraphs) else ""


def normal_title(title: str) -> str:
    """Comparable form of an operation title."""
    title = re.sub(r"\s+Deprecated$", "", title.strip())
    return re.sub(r"\s+", " ", title.rstrip(".")).lower()


def match_seed(
    titles: list[str], upstream: dict[str, Any]
) -> tuple[list[dict[str, str]], list[str]]:
    """Seed titles matched to upstream operations, and the titles left unmatched."""
    by_summary: dict[str, tuple[str, str]] = {}
    for path, method, op in operations(upstream):
        by_summary.setdefault(normal_title(str(op.get("summary", ""))), (method, path))
    matched: list[dict[str, str]] = []
    unmatched: list[str] = []
    for title in titles:
        key = normal_title(title)
        key = normal_title(SEED_ALIASES.get(key, key))
        if key in by_summary:
            method, path = by_summary[key]
            matched.append({"method": method.upper(), "path": path, "summary": title})
        else:
            unmatched.append(title)
    return matched, unmatched


def seed_operations(
    seed_path: Path, upstream: dict[str, Any]
) -> tuple[list[dict[str, str]], list[str]]:
    """The seed-documented operations of the upstream document, and unmatched seed titles."""
    brand = str(upstream.get("info", {}).get("title", "")).split(" ")[0]
    tags = {rebrand(str(t), brand) for _, _, op in operations(upstream) for t in op.get("tags", [])}
    titles = seed_titles(seed_path.read_text(encoding="utf-8"), tags)
    return match_seed(titles, upstream)
