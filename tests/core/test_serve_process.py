"""`mailtwin serve` as a process: signals, the state file on the way, banner and request log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mailtwin.accesslog import token_label
from mailtwin.server import free_port
from mailtwin.version import version

ROOT = Path(__file__).resolve().parents[2]
AUTH = ("public", "private")


@dataclass
class Served:
    """A server process this test started, its URL and its output files."""

    process: subprocess.Popen[bytes]
    url: str
    out: Path
    err: Path

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 20) -> int:
        """Send a signal to the process (by its PID) and wait for it to end."""
        self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    def stderr(self) -> str:
        return self.err.read_text()

    def stdout(self) -> str:
        return self.out.read_text()


def start(tmp_path: Path, *options: str, provider: str = "emma") -> Served:
    """Start `mailtwin serve` on a free port; its output goes to files in tmp_path."""
    port = free_port()
    name = f"serve-{port}"
    out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailtwin", "serve", "--port", str(port), "--provider",
             provider, *options], cwd=ROOT, stdout=stdout, stderr=stderr)
    return Served(process, f"http://127.0.0.1:{port}", out, err)


def until(condition: Callable[[], bool], timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def answers(served: Served) -> bool:
    assert served.process.poll() is None, f"the server exited:\n{served.stderr()}"
    try:
        httpx.get(served.url + "/__mailtwin/health", timeout=1)
    except httpx.TransportError:
        return False
    return True


@contextmanager
def serving(tmp_path: Path, *options: str, provider: str = "emma") -> Iterator[Served]:
    """A started server that answers; killed (by its PID) if the test did not stop it."""
    served = start(tmp_path, *options, provider=provider)
    try:
        until(lambda: answers(served), what="the server to answer")
        yield served
    finally:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait()


def pause_mailing(url: str) -> None:
    httpx.put(f"{url}/__mailtwin/clock", json={"now": "2018-09-16T12:00:00Z"})
    paused = httpx.put(f"{url}/emma/100/mailings/211", json={"status": "paused"}, auth=AUTH)
    assert paused.status_code == 200


def mailing_status(state: Path) -> str | None:
    """Status of mailing 211 of tenant `public` in a state file, None if it is not there."""
    document = json.loads(state.read_text())
    for tenant in document["tenants"]:
        if tenant["tenant"] == "public":
            for record in tenant["collections"]["mailing"]["records"]:
                if record["mailing_id"] == 211:
                    return str(record["mailing_status"])
    return None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_saves_the_state_and_exits_0(tmp_path: Path, sig: signal.Signals) -> None:
    state = tmp_path / "state.json"
    with serving(tmp_path, "--state", str(state), "--save-every", "0") as served:
        pause_mailing(served.url)
        assert not state.exists()
        assert served.stop(sig) == 0
    assert mailing_status(state) == "a"
    assert "Traceback" not in served.stderr()
    assert sorted(p.name for p in tmp_path.glob("state.json*")) == ["state.json",
                                                                      "state.json.lock"]


def test_periodic_saves_survive_a_kill_and_a_failed_save(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    state = folder / "state.json"
    with serving(tmp_path, "--state", str(state), "--save-every", "0.2") as served:
        pause_mailing(served.url)
        until(lambda: state.exists() and mailing_status(state) == "a", what="a periodic save")
        folder.rename(tmp_path / "moved")
        until(lambda: "cannot save the state" in served.stderr(), what="the failure line")
        folder.mkdir()
        # The file appears a moment before the line that says so is written, and the
        # failure line itself says "trying again": wait for the line of the save.
        saved_again = f"the state is saved to {state} again"
        until(lambda: saved_again in served.stderr(), what="the save after the failure")
        served.stop(signal.SIGKILL)
    assert mailing_status(state) == "a"
    failures = [line for line in served.stderr().splitlines() if "cannot save" in line]
    assert failures[0].endswith(f"cannot save the state to {state}: No such file or directory "
                                "(the previous file is kept; trying again in 0.2 s)")
    assert "Traceback" not in served.stderr()


def test_a_second_server_on_the_same_state_file_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with serving(tmp_path, "--state", str(state)) as first:
        second = start(tmp_path, "--state", str(state))
        assert second.process.wait(timeout=20) == 2
        assert second.stderr() == (
            f"mailtwin: another mailtwin server (process {first.process.pid}) is using the "
            f"state file {state} (it holds {state}.lock); stop it or choose another --state\n")
        assert first.stop() == 0


def test_banner_and_request_log(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with serving(tmp_path, "--state", str(state), "--seed", "7",
                 provider="outreach") as served:
        httpx.get(served.url + "/outreach/api/v2/mailings?secret=in-the-query",
                  headers={"Authorization": "Bearer token-secret"})
        assert served.stop() == 0
    err = served.stderr()
    assert f"mailtwin {version()} on uvloop + httptools" in err
    assert f"outreach  {served.url}/outreach\n" in err
    assert f"control   {served.url}/__mailtwin\n" in err
    assert f"state     {state} (saved every 30 s and at shutdown)\n" in err
    assert "seed      7\n" in err
    assert served.stdout().splitlines()[-1].startswith(
        f"INFO:     GET /outreach/api/v2/mailings 200 provider=outreach "
        f"tenant={token_label('token-secret')} ")
    assert "secret" not in served.stdout().replace(token_label("token-secret"), "")


def test_quiet_has_no_request_log(tmp_path: Path) -> None:
    with serving(tmp_path, "--quiet", "--no-control") as served:
        httpx.get(served.url + "/emma/100/mailings/200", auth=AUTH)
        assert served.stop() == 0
    assert served.stdout() == ""
    assert "control  off\n" in served.stderr()
    assert "state    none\n" in served.stderr()


def test_a_bad_environment_value_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mailtwin", "serve"], cwd=ROOT,
                            env={**os.environ, "MAILTWIN_PORT": "abc"}, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == ("mailtwin: MAILTWIN_PORT='abc': expected a port number from 0 "
                             "to 65535\n")
