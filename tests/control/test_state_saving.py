"""State files are replaced atomically, from snapshots."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import httpx
import pytest

from mailtwin import MailtwinApp, Sandbox
from mailtwin.statefile import state_text, take_snapshot, write_atomic


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
