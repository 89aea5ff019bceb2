"""State files are replaced atomically, from snapshots, by one server at a time; a failed save
is one log line and keeps the previous file."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
from pathlib import Path

import httpx
import pytest

from mailtwin import MailtwinApp, Sandbox
from mailtwin.statefile import StateFileError, state_text, take_snapshot, write_atomic
from mailtwin.statekeeper import StateKeeper, lock_path


def test_a_snapshot_reads_as_the_live_state(sb: Sandbox, api: httpx.Client,
                                            mailtwin_app: MailtwinApp) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    snapshot = take_snapshot(mailtwin_app.runtime)
    text = snapshot.text()
    assert text == state_text(mailtwin_app.runtime)
    api.put("/100/mailings/211", json={"status": "ready"})
    # Taken before the second change, the snapshot does not see it.
    assert snapshot.text() == text
    assert json.loads(text) != sb.export_state()


def test_write_atomic_replaces_and_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomic(path, b"first")
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o640)
    write_atomic(path, b"second")
    assert path.read_bytes() == b"second"
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    write_atomic(path, b"good")

    def full(handle: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"lost")
    assert path.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_failed_save_is_one_line_and_the_next_one_recovers(
        sb: Sandbox, mailtwin_app: MailtwinApp, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    keeper = StateKeeper.claim(folder / "state.json", every=30)
    try:
        assert keeper.save(mailtwin_app.runtime)
        good = (folder / "state.json").read_bytes()
        (folder / "state.json").rename(tmp_path / "kept.json")
        lock_path(folder / "state.json").unlink()
        folder.rmdir()
        with caplog.at_level(logging.INFO, logger="mailtwin"):
            assert not keeper.save(mailtwin_app.runtime)
            [failure] = caplog.records
            assert failure.levelno == logging.ERROR
            assert failure.exc_info is None
            assert failure.getMessage() == (
                f"cannot save the state to {folder / 'state.json'}: No such file or directory "
                "(the previous file is kept; trying again in 30 s)")
            folder.mkdir()
            assert keeper.save(mailtwin_app.runtime)
            assert caplog.records[-1].getMessage() == (
                f"the state is saved to {folder / 'state.json'} again")
        assert (folder / "state.json").read_bytes() == good
    finally:
        keeper.release()


def test_periodic_saves_write_snapshots_until_stopped(sb: Sandbox, api: httpx.Client,
                                                      mailtwin_app: MailtwinApp,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    keeper = StateKeeper.claim(path, every=0.01)

    async def two_periods() -> None:
        task = asyncio.create_task(keeper.run(mailtwin_app.runtime))
        while not path.exists():
            await asyncio.sleep(0.005)
        keeper.stop()
        await asyncio.wait_for(task, 5)

    try:
        api.put("/100/mailings/211", json={"status": "paused"})
        asyncio.run(two_periods())
    finally:
        keeper.release()
    assert json.loads(path.read_text()) == sb.export_state()


def test_one_server_per_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = StateKeeper.claim(path, every=30)
    try:
        with pytest.raises(StateFileError, match=rf"another mailtwin server \(process "
                                                 rf"{os.getpid()}\) is using the state file"):
            StateKeeper.claim(path, every=30)
    finally:
        first.release()
    StateKeeper.claim(path, every=30).release()


@pytest.mark.parametrize(("where", "message"), [
    ("missing/state.json", "the folder {tmp}/missing does not exist"),
    ("file/state.json", "the folder {tmp}/file is not a folder"),
    ("", "is a folder, not a state file"),
])
def test_a_state_file_that_cannot_be_written_is_refused(tmp_path: Path, where: str,
                                                        message: str) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StateFileError, match=message.format(tmp=tmp_path)):
        StateKeeper.claim(tmp_path / where, every=30)
