"""Control-plane tests drive an emma-only sandbox in-process through the plugin's fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mailtwin import Sandbox

ROOT = Path(__file__).resolve().parents[2]
START = "2018-09-16T12:00:00Z"


@pytest.fixture
def sb(mailtwin_inprocess: Sandbox) -> Sandbox:
    """A fresh sandbox with its clock frozen at START."""
    mailtwin_inprocess.clock.set(START)
    return mailtwin_inprocess


@pytest.fixture
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    """Emma as tenant `public`."""
    with sb.client("emma", auth=("public", "private")) as http:
        yield http


@pytest.fixture
def control(sb: Sandbox) -> Iterator[httpx.Client]:
    """Raw HTTP on the control plane, to check statuses and error bodies."""
    with sb.client() as http:
        yield http
