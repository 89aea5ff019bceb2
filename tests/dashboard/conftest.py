"""Dashboard tests drive the session's sandbox (Emma is enough) through the plugin's
fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin import Sandbox

START = "2018-09-16T12:00:00Z"


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
