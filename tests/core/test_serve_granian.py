"""`mailtwin serve --server granian`: the same lifespan, state file, control plane, request
log and signals as the default server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mailtwin import granian_server
from mailtwin.config import Config
from mailtwin.server import ServeOptions, serve
from mailtwin.version import version

from .test_serve_process import AUTH, ROOT, mailing_status, pause_mailing, serving, until

GRANIAN = ("--server", "granian")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_granian_serves_saves_the_state_and_stops_on_a_signal(tmp_path: Path,
                                                              sig: signal.Signals) -> None:
    state = tmp_path / "state.json"
    with serving(tmp_path, *GRANIAN, "--state", str(state), "--save-every", "0") as served:
        pause_mailing(served.url)
        first = httpx.get(served.url + "/emma/100/mailings/211", auth=AUTH)
        again = httpx.get(served.url + "/emma/100/mailings/211", auth=AUTH)
        assert first.status_code == again.status_code == 200
        assert again.content == first.content
        assert first.json()["mailing_status"] == "a"
        journal = httpx.get(served.url + "/__mailtwin/journal").json()
        assert len(journal["entries"]) >= 3
        assert not state.exists()
        assert served.stop(sig) == 0
    assert mailing_status(state) == "a"
    err = served.stderr()
    assert f"mailtwin {version()} on uvloop + granian" in err
    assert f"state    {state} (saved at shutdown)\n" in err
    assert "Traceback" not in err
    assert "GET /emma/100/mailings/211 200 provider=emma tenant=public" in served.stdout()


@pytest.mark.slow
def test_granian_saves_periodically_and_starts_from_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with serving(tmp_path, *GRANIAN, "--state", str(state), "--save-every", "0.2") as served:
        pause_mailing(served.url)
        until(lambda: state.exists() and mailing_status(state) == "a", what="a periodic save")
        assert served.stop() == 0
    with serving(tmp_path, *GRANIAN, "--state", str(state), "--quiet") as served:
        shown = httpx.get(served.url + "/emma/100/mailings/211", auth=AUTH)
        assert shown.json()["mailing_status"] == "a"
        assert served.stop() == 0
    assert served.stdout() == ""


def test_granian_missing_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(granian_server, "available", lambda: False)
    options = ServeOptions(port=0, log_level="warning", server="granian")
    assert serve(Config(seed=0, providers=("emma",)), options) == 2
    assert capsys.readouterr().err == (
        "mailtwin: --server granian needs granian: pip install 'mailtwin[granian]'\n")


def test_an_unknown_server_is_one_line_and_exit_2() -> None:
    result = subprocess.run([sys.executable, "-m", "mailtwin", "serve"], cwd=ROOT,
                            env={**os.environ, "MAILTWIN_SERVER": "gunicorn"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == ("mailtwin: MAILTWIN_SERVER='gunicorn': expected one of uvicorn, "
                             "granian\n")
