"""The state file of a running server: claimed at start, saved periodically and at the end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mailtwin.statefile import StateFileError, state_text, take_snapshot, write_atomic

if TYPE_CHECKING:
    from mailtwin.runtime import Runtime

log = logging.getLogger("mailtwin")


def lock_path(path: Path) -> Path:
    """The lock file beside a state file."""
    return path.with_name(path.name + ".lock")


class StateKeeper:
    """One server's hold on its state file: the lock that keeps other servers off it, and
    every save of it.

    A periodic save copies the state on the event loop, where no request is half done, and
    turns the copy into JSON and writes it in a worker thread. A failed save is one log line,
    tried again at the next period, and leaves the previous file as it was.
    """

    def __init__(self, path: Path, every: float, lock: int) -> None:
        self.path = path
        self.every = every
        self.failing = False
        self._lock = lock
        self._writing = threading.Lock()
        self._stop = asyncio.Event()

    @classmethod
    def claim(cls, path: Path, every: float) -> StateKeeper:
        """Check that the file can be written and lock it; StateFileError says why not."""
        # POSIX only: imported here so that the server runs (without --state) where it is not.
        import fcntl

        folder = path.parent
        if path.is_dir():
            raise StateFileError(f"{path} is a folder, not a state file")
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise StateFileError(f"cannot keep the state in {path}: the folder {folder} {what}")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StateFileError(f"cannot keep the state in {path}: the folder {folder} is "
                                 "not writable")
        try:
            lock = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateFileError(f"cannot keep the state in {path}: {_reason(exc)}") from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(lock)
            os.close(lock)
            raise StateFileError(f"another mailtwin server{holder} is using the state file "
                                 f"{path} (it holds {lock_path(path)}); stop it or choose "
                                 "another --state") from None
        os.ftruncate(lock, 0)
        os.write(lock, f"{os.getpid()}\n".encode())
        return cls(path, every, lock)

    def release(self) -> None:
        """Let another server use the file.

        The lock file stays: removing it would let a new server lock a new file while an
        old one still holds the removed one.
        """
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def save(self, runtime: Runtime) -> bool:
        """Write the state now, on this thread; False (and one log line) if it failed."""
        return self._write(lambda: state_text(runtime))

    async def run(self, runtime: Runtime) -> None:
        """Save every `every` seconds until `stop()`."""
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.every)
            except TimeoutError:
                try:
                    snapshot = take_snapshot(runtime)
                except Exception:  # a bug, but saving must go on at the next period
                    log.exception("cannot copy the state to save it")
                    continue
                await asyncio.to_thread(self._write, snapshot.text)

    def stop(self) -> None:
        """End `run()` (a write under way is finished first)."""
        self._stop.set()

    def _write(self, text: Callable[[], str]) -> bool:
        with self._writing:
            try:
                write_atomic(self.path, text().encode("utf-8"))
            except (OSError, ValueError, TypeError) as exc:
                again = (f"trying again in {self.every:g} s" if self.every > 0
                         else "not trying again")
                log.error("cannot save the state to %s: %s (the previous file is kept; %s)",
                          self.path, _reason(exc), again)
                self.failing = True
                return False
            if self.failing:
                log.info("the state is saved to %s again", self.path)
                self.failing = False
            return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def _holder(lock: int) -> str:
    """' (process N)' as the lock file tells, or nothing."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(lock, 32, 0).decode("ascii").strip())
        return f" (process {pid})"
    return ""
