"""`mailtwin serve --state FILE` starts from the file and writes it back on clean shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from mailtwin.server import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serving(state: Path) -> Iterator[str]:
    """A `mailtwin serve` process on 127.0.0.1; interrupted (SIGINT, by its PID) at the end."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mailtwin", "serve", "--port", str(port), "--provider", "emma",
         "--state", str(state), "--log-level", "warning"], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/__mailtwin/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    auth = ("public", "private")
    with serving(state) as url:
        httpx.put(f"{url}/__mailtwin/clock", json={"now": "2018-09-16T12:00:00Z"})
        paused = httpx.put(f"{url}/emma/100/mailings/211", json={"status": "paused"}, auth=auth)
        assert paused.status_code == 200
    saved = json.loads(state.read_text())
    assert saved["format"] == "mailtwin-state"
    assert [t["tenant"] for t in saved["tenants"]] == ["public"]
    assert saved["clock"] == {"now": "2018-09-16T12:00:00.000000Z", "frozen": True}
    with serving(state) as url:
        again = httpx.get(f"{url}/emma/100/mailings/211", auth=auth)
        assert again.json()["mailing_status"] == "a"
