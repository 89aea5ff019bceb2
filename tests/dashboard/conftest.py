"""Dashboard tests drive an emma and especial sandbox through the plugin's fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin import Config, Sandbox

START = "2018-09-16T12:00:00Z"


@pytest.fixture(scope="session")
def mailtwin_config() -> Config:
    return Config(seed=0, providers=("emma", "especial"))


@pytest.fixture
def sb(mailtwin_inprocess: Sandbox) -> Sandbox:
    """A fresh sandbox with its clock frozen at START."""
    mailtwin_inprocess.clock.set(START)
    return mailtwin_inprocess


@pytest.fixture
def web(sb: Sandbox) -> Iterator[httpx.Client]:
    """Plain HTTP on the sandbox, for pages and provider calls alike."""
    with sb.client() as http:
        yield http
