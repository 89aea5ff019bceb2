"""One sandbox over every spec for the fuzz tests, its routes and an in-process client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin import MailtwinApp
from mailtwin.inprocess import client
from tests.fuzz.support import Route, build_app, routes


@pytest.fixture(scope="module")
def fuzz_app() -> MailtwinApp:
    return build_app()


@pytest.fixture(scope="module")
def fuzz_routes(fuzz_app: MailtwinApp) -> list[Route]:
    return routes(fuzz_app)


@pytest.fixture(scope="module")
def http(fuzz_app: MailtwinApp) -> Iterator[httpx.Client]:
    with client(fuzz_app) as session:
        yield session
