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
# Seed operations the published document lacks, served through an overlay.
SEED_ADDED = {"unarchive a list": ("post", "/lists/{list_id}/unarchive")}
SEED_MARKERS = (
    "Authorizations:",
    "path Parameters",
    "query Parameters",
    "header Parameters",
    "Request Body schema",
    "Responses",
)
SEED_BLOCK_ENDS = ("}", "]", "{}", "[]")


def seed_blocks(text: str, tags: set[str]) -> list[tuple[str, dict[str, Any] | None]]:
    """(title, response sample) of each seed operation, in document order; the sample holds
    the top-level keys of the first JSON object answer and its literal values (`object`
    names and boolean flags), or is None when the seed shows no such answer."""
    # A block runs from the end of the previous response sample up to its "Responses" line;
    # its title is the paragraph after the last tag heading, else its first paragraph.
    found: list[tuple[str, dict[str, Any] | None]] = []
    block: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line in SEED_BLOCK_ENDS or line.startswith("Download OpenAPI specification"):
            block = []
        elif line == "Responses":
            title = block_title(block, tags)
            if title:
                found.append((title, response_sample(lines, index + 1)))
            block = []
        else:
            block.append(line)
    return found


_SAMPLE_KEY = re.compile('^  \u2022 "([^"]+)": ?(.*?),?$')


def response_sample(lines: list[str], start: int) -> dict[str, Any] | None:
    """The first response sample after `start`, if it is a JSON object."""
    at = start
    while at < len(lines) and lines[at].strip() in ("", "Response samples", "Content type"):
        at += 1
    if lines[at:at + 2] != ["application/json", "{"]:
        return None
    keys: list[str] = []
    literals: dict[str, Any] = {}
    for line in lines[at + 2:]:
        if line == "}":
            break
        found = _SAMPLE_KEY.match(line)
        if found is None:
            continue
        name, value = found.groups()
        keys.append(name)
        if value in ("true", "false"):
            literals[name] = value == "true"
        elif name == "object" and value.startswith('"'):
            literals[name] = value.strip('"')
    if keys == ["detail"]:  # the validation error's sample: the success answer is not JSON
        return None
    return {"keys": keys, "literals": literals}


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
    blocks: list[tuple[str, dict[str, Any] | None]], upstream: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Seed operations matched to upstream ones (with their response samples), and the
    titles left unmatched."""
    by_summary: dict[str, tuple[str, str]] = {}
    for path, method, op in operations(upstream):
        by_summary.setdefault(normal_title(str(op.get("summary", ""))), (method, path))
    matched: list[dict[str, Any]] = []
    unmatched: list[str] = []
    for title, sample in blocks:
        key = normal_title(title)
        key = normal_title(SEED_ALIASES.get(key, key))
        place = by_summary.get(key) or SEED_ADDED.get(key)
        if place is None:
            unmatched.append(title)
            continue
        entry: dict[str, Any] = {"method": place[0].upper(), "path": place[1],
                                 "summary": title}
        if sample is not None:
            entry["sample"] = sample
        matched.append(entry)
    return matched, unmatched


def seed_operations(
    seed_path: Path, upstream: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The seed-documented operations of the upstream document, and unmatched seed titles."""
    brand = str(upstream.get("info", {}).get("title", "")).split(" ")[0]
    tags = {rebrand(str(t), brand) for _, _, op in operations(upstream) for t in op.get("tags", [])}
    return match_seed(seed_blocks(seed_path.read_text(encoding="utf-8"), tags), upstream)
