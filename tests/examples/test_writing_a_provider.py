"""docs/writing-a-provider.md: the files it shows are the example's files, and the example
serves as the guide says (the guide's own checks, docs/examples/postcard/check_postcard.py,
run here)."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, create_app
from mailtwin.check import check
from mailtwin.inprocess import client

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "writing-a-provider.md"
EXAMPLE = ROOT / "docs" / "examples" / "postcard"
# A block the guide introduces with its file name: "`specs/postcard.yaml`:" then the block.
SHOWN = re.compile(r"^`([\w./-]+)`:\n\n```\w*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checks = _load("check_postcard", EXAMPLE / "check_postcard.py")
test_a_campaign_goes_out_at_its_time = checks.test_a_campaign_goes_out_at_its_time
test_a_campaign_names_an_existing_list = checks.test_a_campaign_names_an_existing_list
test_only_drafts_are_tested = checks.test_only_drafts_are_tested


@pytest.fixture
def app() -> Iterator[MailtwinApp]:
    sys.path.insert(0, str(EXAMPLE))  # where the spec's `hooks: postcard_hooks` is found
    try:
        yield create_app(Config(specs=EXAMPLE / "specs", fixtures=EXAMPLE / "fixtures",
                                builtin=False), Clock(frozen_at=checks.START))
    finally:
        sys.path.remove(str(EXAMPLE))


@pytest.fixture
def postcard(app: MailtwinApp) -> Iterator[httpx.Client]:
    with client(app, base_url="http://mailtwin.test/postcard",
                headers={"Authorization": "Bearer my-token"}) as http:
        yield http


def test_the_guide_shows_the_example_files_as_they_are() -> None:
    shown = dict(SHOWN.findall(GUIDE.read_text(encoding="utf-8")))
    assert sorted(shown) == ["check_postcard.py", "fixtures/postcard/10-lists.yaml",
                             "postcard_hooks.py", "specs/postcard.yaml"]
    for name, text in shown.items():
        assert text == (EXAMPLE / name).read_text(encoding="utf-8"), name


def test_the_example_checks_clean() -> None:
    sys.path.insert(0, str(EXAMPLE))
    try:
        assert check(Config(specs=EXAMPLE / "specs", fixtures=EXAMPLE / "fixtures",
                            builtin=False)) == []
    finally:
        sys.path.remove(str(EXAMPLE))
