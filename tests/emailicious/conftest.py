"""Emailicious clients: HTTP Basic credentials, or none; and zipped layouts as data URIs."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from mailtwin import MailtwinApp
from mailtwin.inprocess import client

BASE = "http://mailtwin.test/emailicious/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
HTML = "<!DOCTYPE html>\n<html>\n<body>...</body>\n</html>"


def zip_uri(files: dict[str, bytes | str]) -> str:
    """A data URI of a zip holding `files`, encoded as the seed's example does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    encoded = base64.encodebytes(buffer.getvalue()).decode()
    return f"data:application/zip;charset=utf-8;base64,{encoded}"


@pytest.fixture
def emailicious(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url=BASE, auth=("account", "secret")) as http:
        yield http


@pytest.fixture
def layout() -> str:
    return zip_uri({"index.html": HTML, "images/planet.png": PNG})
