"""README's control-plane examples answer 2xx when run in order, and the pytest examples shown
in README are the ones tests/examples runs."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from mailtwin import Sandbox
from tests.test_readme import README, parse_curl

ROOT = Path(__file__).resolve().parents[2]
CONTROL_CURLS = [line.strip() for line in README.splitlines()
                 if line.strip().startswith("curl ") and "/__mailtwin/" in line]


def test_every_control_endpoint_has_a_readme_example() -> None:
    from mailtwin.control_spec import operations

    shown = {(parse_curl(line)["method"], re.sub(r"^https?://[^/]+|\?.*$", "",
                                                 parse_curl(line)["url"]))
             for line in CONTROL_CURLS}
    for op in operations():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path))
        assert any(method == op.method and re.fullmatch(pattern, path)
                   for method, path in shown), f"{op.method} {op.path} has no README example"


def test_readme_control_examples_answer_in_order(sb: Sandbox, api: httpx.Client) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    saved = b""
    with sb.client() as http:
        for line in CONTROL_CURLS:
            request = parse_curl(line)
            url = re.sub(r"^https?://[^/]+", "", request.pop("url"))
            if request["content"] == b"@state.json":
                request["content"] = saved
            response = http.request(url=url, **request)
            assert response.status_code in (200, 201), (line, response.text)
            if url.endswith("/state") and request["method"] == "GET":
                saved = response.content


def test_readme_pytest_examples_are_the_tested_ones() -> None:
    section = README.split("## Use it in pytest", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    examples = (ROOT / "tests" / "examples" / "test_use_in_pytest.py").read_text()
    assert len(blocks) == 4
    for block in blocks:
        assert block in examples
