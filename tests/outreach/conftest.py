"""Outreach clients: a JSON:API client with a bearer token, and one without credentials."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin import MailtwinApp
from mailtwin.inprocess import client

BASE = "http://mailtwin.test/outreach/api/v2"
JSONAPI = "application/vnd.api+json"


@pytest.fixture
def outreach(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer test-token", "Accept": JSONAPI}
    with client(sandbox, base_url=BASE, headers=headers) as http:
        yield http


@pytest.fixture
def anonymous(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url="http://mailtwin.test/outreach") as http:
        yield http
