"""Sandboxes to attack: the suite's open one (tests/conftest.py) and strict ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, Sandbox, create_app
from mailtwin.inprocess import client
from tests.conftest import SEED_TIME

Connect = Callable[..., AbstractContextManager[httpx.Client]]


@pytest.fixture
def control(sandbox: MailtwinApp) -> Iterator[Sandbox]:
    """The control plane of the suite's open sandbox (reset before each test)."""
    with Sandbox(app=sandbox) as sb:
        yield sb


@pytest.fixture
def open_api(sandbox: MailtwinApp) -> Connect:
    """Clients of a provider on the open sandbox: `open_api("/emma", auth=(...))`."""
    return lambda mount, **options: client(sandbox, base_url=f"http://mailtwin.test{mount}",
                                           **options)


@pytest.fixture(scope="module")
def strict_app() -> MailtwinApp:
    return create_app(Config(seed=0, auth="strict"), Clock(frozen_at=SEED_TIME))


@pytest.fixture
def strict(strict_app: MailtwinApp) -> Iterator[Sandbox]:
    """The control plane of a strict sandbox, reset."""
    with Sandbox(app=strict_app) as sb:
        sb.reset()
        yield sb


@pytest.fixture
def strict_api(strict_app: MailtwinApp, strict: Sandbox) -> Connect:
    """Clients of a provider on the strict sandbox."""
    return lambda mount, **options: client(strict_app,
                                           base_url=f"http://mailtwin.test{mount}", **options)
