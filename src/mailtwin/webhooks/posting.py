"""The poster process of a sender, seen from the sandbox: jobs written to its stdin, results
handed to a callback by a reader thread; stopped (by its PID, through its Popen) on close."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mailtwin.webhooks import poster

SCRIPT = str(Path(poster.__file__).resolve())
# Seconds a stopping poster gets to finish its attempts before it is terminated.
STOP_SECONDS = 5.0


class PosterProcess:
    """One running poster (webhooks/poster.py): `send` a job, get `on_result` for each
    answer, then `on_end` once when the process ends (whatever was still out is lost)."""

    def __init__(self, timeout: float, threads: int,
                 on_result: Callable[[dict[str, Any]], None],
                 on_end: Callable[[], None]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-P", SCRIPT, repr(timeout), str(threads)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, encoding="utf-8", close_fds=True)
        self._on_result = on_result
        self._on_end = on_end
        self._reader = threading.Thread(target=self._read, name="mailtwin-webhook-results",
                                        daemon=True)
        self._reader.start()

    def send(self, jobs: list[dict[str, Any]]) -> bool:
        """Hand jobs to the poster; False when it is gone."""
        stdin = self.proc.stdin
        if stdin is None:
            return False
        try:
            stdin.write("".join(json.dumps(job) + "\n" for job in jobs))
            stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def _read(self) -> None:
        stdout = self.proc.stdout
        try:
            if stdout is not None:
                for line in stdout:
                    self._on_result(json.loads(line))
        finally:
            self._on_end()

    def close(self, wait: float = STOP_SECONDS) -> None:
        """Let the poster finish what it holds (up to `wait` seconds), then stop it."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        self._reader.join(wait)
        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(STOP_SECONDS)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
