"""A tiny provider spec, so core behaviour is tested without the real providers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, create_app
from mailtwin.inprocess import client

DATA = Path(__file__).parent / "data"
START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def tiny_app() -> MailtwinApp:
    config = Config(specs=DATA / "tiny.yaml", fixtures=DATA / "fixtures", builtin=False, seed=3)
    return create_app(config, Clock(frozen_at=START))


@pytest.fixture
def tiny(tiny_app: MailtwinApp) -> Iterator[httpx.Client]:
    with client(tiny_app, base_url="http://mailtwin.test/tiny",
                headers={"Authorization": "Bearer token-a"}) as http:
        yield http
