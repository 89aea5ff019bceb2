"""Every `curl` line of README.md, run by the real curl in README order against one server
started as the README starts it; where the README shows an answer (a ```json block right
after the example's block), curl must print that answer, and every other example must get a
2xx."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
CURL = Path("/usr/bin/curl")
README_ADDRESS = "127.0.0.1:8040"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
STARTUP_SECONDS = 120


@dataclass(frozen=True)
class Example:
    """One README curl line and the answer the README shows for it, if any."""

    line: str
    shown: Any = None
    has_shown: bool = False


def examples(text: str = README) -> list[Example]:
    """The curl lines of every fenced block, in order; a ```json block that comes right after
    a block of curl lines is the answer to its last line."""
    found: list[Example] = []
    previous_had_curls = False
    for match in FENCE.finditer(text):
        language, body = match.group(1), match.group(2)
        if language == "json" and previous_had_curls:
            found[-1] = Example(found[-1].line, json.loads(body), True)
        lines = [line.strip() for line in body.splitlines()]
        curls = [Example(line) for line in lines if line.startswith("curl ")]
        found.extend(curls)
        previous_had_curls = bool(curls)
    return found


def method_and_path(line: str) -> tuple[str, str]:
    """The method and path (without query) an example requests, as curl reads its options."""
    words = shlex.split(line)
    method = "GET"
    if any(word in ("-d", "--data", "--json", "-F", "--form") for word in words):
        method = "POST"
    if "-X" in words:
        method = words[words.index("-X") + 1]
    url = next(word for word in words if word.startswith("http"))
    return method, re.sub(r"^https?://[^/]+|\?.*$", "", url)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A `mailtwin serve` process of this test and where it listens."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module")
def curl() -> Path:
    if not CURL.is_file() or not os.access(CURL, os.X_OK):
        pytest.fail(f"the README examples run with the real curl, and {CURL} is missing: "
                    "install it (apt-get install curl)", pytrace=False)
    return CURL


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`python -m mailtwin serve --port P`, as README's Set up starts it, until it is healthy."""
    folder = tmp_path_factory.mktemp("readme-server")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILTWIN_")}
    log = folder / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailtwin", "serve", "--port", str(port)], cwd=ROOT,
            env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    running = Server(port, process, log)
    try:
        _wait_until_healthy(running)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    url = f"http://127.0.0.1:{server.port}/__mailtwin/health"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n"
                        f"{server.output()}", pytrace=False)
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer in {STARTUP_SECONDS} s:\n{server.output()}",
                pytrace=False)


def run_curl(curl: Path, line: str, port: int, folder: Path) -> tuple[int, str, str]:
    """(status, body, curl's complaint) of one README line, run as written against the port;
    curl itself is only told to be quiet and to print the status after the body."""
    words = shlex.split(line.replace(README_ADDRESS, f"127.0.0.1:{port}"))
    assert words[0] == "curl", line
    argv = [str(curl), "--silent", "--show-error", "--max-time", "30",
            "--write-out", "\\n%{http_code}", *words[1:]]
    done = subprocess.run(argv, cwd=folder, capture_output=True, timeout=60, check=False)
    out = done.stdout.decode("utf-8", "replace")
    body, _, status = out.rpartition("\n")
    if done.returncode != 0 or not status.isdigit():
        return 0, out, f"curl exited with {done.returncode}: {done.stderr.decode()}"
    return int(status), body, ""


def test_the_readme_shows_examples_of_every_part() -> None:
    found = examples()
    assert len(found) >= 40
    for prefix in ("/emma/", "/outreach/", "/emailicious/", "/especial/", "/__mailtwin/"):
        assert any(prefix in example.line for example in found), prefix
    assert sum(example.has_shown for example in found) >= 1


def test_every_readme_example_answers_as_shown(curl: Path, server: Server,
                                               tmp_path: Path) -> None:
    failures = []
    for example in examples():
        status, body, complaint = run_curl(curl, example.line, server.port, tmp_path)
        if complaint:
            failures.append(f"{example.line}\n  {complaint}")
        elif example.has_shown:
            try:
                answer = json.loads(body)
            except ValueError:
                answer = body
            if answer != example.shown:
                failures.append(f"{example.line}\n  README shows {json.dumps(example.shown)}"
                                f"\n  curl printed {status} {body[:500]}")
        elif not 200 <= status < 300:
            failures.append(f"{example.line}\n  answered {status} {body[:500]}")
    assert not failures, "\n".join(failures) + f"\nserver output:\n{server.output()}"
