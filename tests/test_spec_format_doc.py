"""docs/spec-format.md names every key and value of the x-mailtwin vocabulary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "src" / "mailtwin" / "extension-schema.yaml"
DOC = ROOT / "docs" / "spec-format.md"
RECIPES = ("faker", "choice", "sequence", "pick", "sample", "template", "time", "copy",
           "literal")


def vocabulary(node: Any) -> tuple[set[str], set[str]]:
    """The property names and the text values of enums, at any depth of a JSON Schema."""
    keys: set[str] = set()
    values: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                keys.update(value)
            if key == "enum":
                values.update(v for v in value if isinstance(v, str))
            found = vocabulary(value)
            keys |= found[0]
            values |= found[1]
    elif isinstance(node, list):
        for item in node:
            found = vocabulary(item)
            keys |= found[0]
            values |= found[1]
    return keys, values


def named(doc: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", doc) is not None


def test_every_key_and_value_of_the_extension_schema_is_documented() -> None:
    keys, values = vocabulary(yaml.safe_load(SCHEMA.read_text(encoding="utf-8")))
    doc = DOC.read_text(encoding="utf-8")
    assert keys and values
    assert sorted(k for k in keys if not named(doc, k)) == []
    assert sorted(v for v in values if not named(doc, v)) == []


def test_every_fixture_recipe_is_documented() -> None:
    from mailtwin.fixtures import RECIPE_KEYS

    assert set(RECIPES) == RECIPE_KEYS
    doc = DOC.read_text(encoding="utf-8")
    assert [r for r in RECIPES if not named(doc, r + ":")] == []
