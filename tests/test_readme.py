"""The request examples of README.md answer as the README says."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp
from mailtwin.inprocess import client

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
# Control-plane examples run in order in tests/control/test_readme_control.py.
CURLS = [line.strip() for line in README.splitlines()
         if line.strip().startswith("curl ") and "/__mailtwin/" not in line]


def parse_curl(line: str) -> dict[str, Any]:
    """The method, URL, credentials and body of a README curl line."""
    words = shlex.split(line)[1:]
    request: dict[str, Any] = {"method": "GET", "auth": None, "content": None, "headers": {}}
    while words:
        word = words.pop(0)
        if word == "-u":
            user, _, password = words.pop(0).partition(":")
            request["auth"] = (user, password)
        elif word == "-X":
            request["method"] = words.pop(0)
        elif word == "-d":
            request["content"] = words.pop(0).encode()
        elif word == "-H":
            name, _, value = words.pop(0).partition(":")
            request["headers"][name.strip()] = value.strip()
        elif word.startswith("http"):
            request["url"] = word
    return request


def test_readme_has_examples() -> None:
    assert len(CURLS) >= 5


@pytest.mark.parametrize("line", CURLS)
def test_readme_example_answers(sandbox: MailtwinApp, line: str) -> None:
    request = parse_curl(line)
    path = re.sub(r"^https?://[^/]+", "", request.pop("url"))
    with client(sandbox) as http:
        response: httpx.Response = http.request(url=path, **request)
    if "validate" in path:
        shown = re.search(r"```json\n(.*?)\n```", README, re.DOTALL)
        assert shown is not None
        assert response.status_code == 400
        assert response.json() == json.loads(shown.group(1))
    else:
        assert response.status_code == 200, response.text
