"""Shared fixtures: one app per test session, reset before every test by the plugin's own
reset (one control-plane call, as a project using the plugin gets)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, Sandbox, create_app
from mailtwin.inprocess import client
from mailtwin.pytest_plugin import reset

ROOT = Path(__file__).resolve().parents[1]
# Between the seed's sent mailing (2018-09-16 10:30) and its scheduled one (2018-09-22).
SEED_TIME = datetime(2018, 9, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def mailtwin_config() -> Config:
    """The plugin's session sandbox for every folder (pytest builds it once): Emma alone,
    seed 0, which is all the control-plane, dashboard and README example tests need."""
    return Config(seed=0, providers=("emma",))


@pytest.fixture(scope="session")
def app() -> MailtwinApp:
    config = Config(seed=0)
    return create_app(config, Clock(frozen_at=SEED_TIME))


@pytest.fixture(scope="session")
def reset_sandbox(app: MailtwinApp) -> Iterator[Sandbox]:
    """The session app's control plane, in process."""
    with Sandbox(app=app) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(app: MailtwinApp, reset_sandbox: Sandbox) -> MailtwinApp:
    reset(reset_sandbox, clock=SEED_TIME)
    return app


@pytest.fixture
def emma(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url="http://mailtwin.test/emma", auth=("public-key", "private-key")
                ) as http:
        yield http
