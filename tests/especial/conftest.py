"""Especial clients: any bearer token is its own account, created from the fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from mailtwin import MailtwinApp
from mailtwin.inprocess import client

BASE = "http://mailtwin.test/especial"
# The fixtures' clock (tests/conftest.py SEED_TIME) as unix seconds.
NOW = 1537099200


@pytest.fixture
def especial(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url=BASE, headers={"Authorization": "Bearer demo-token"}) as http:
        yield http


@pytest.fixture
def anonymous(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url=BASE) as http:
        yield http


class Clock:
    """Moves the sandbox clock forward (timed moves fire on the next request)."""

    def __init__(self, app: MailtwinApp) -> None:
        self.app = app

    def advance(self, seconds: float) -> None:
        runtime = self.app.runtime
        runtime.clock.set(runtime.clock.now() + timedelta(seconds=seconds))


@pytest.fixture
def clock(sandbox: MailtwinApp) -> Clock:
    return Clock(sandbox)
