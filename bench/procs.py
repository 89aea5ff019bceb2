"""Server processes the benchmark starts, probes and stops (only its own, by PID)."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchlib import REPO_DIR, Target, stop_servers_on_sigterm
from loadgen import HOST

READY_TIMEOUT_S = 60.0
POLL_INTERVAL_S = 0.005
STOP_TIMEOUT_S = 5.0
PROBE_TIMEOUT_S = 2.0


def log(message: str) -> None:
    """Print a progress line to stderr."""
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    """Return a currently unused loopback TCP port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Processes:
    """The server processes this run started; only these are ever stopped, by PID."""

    def __init__(self, log_dir: Path) -> None:
        """Keep server logs in log_dir."""
        self.log_dir = log_dir
        self.running: dict[int, tuple[subprocess.Popen[bytes], Path]] = {}
        self.count = 0

    def start(self, label: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Spawn a server with output going to its own log file."""
        self.count += 1
        log_path = self.log_dir / f"{self.count:03d}-{label}.log"
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=REPO_DIR,
            )
        self.running[proc.pid] = (proc, log_path)
        return proc

    def log_tail(self, proc: subprocess.Popen[bytes], lines: int = 20) -> str:
        """Return the last lines a started process wrote."""
        entry = self.running.get(proc.pid)
        if entry is None or not entry[1].exists():
            return ""
        return "\n".join(entry[1].read_text(errors="replace").splitlines()[-lines:])

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        """Terminate one started process by PID, killing it if it lingers."""
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT_S)
        self.running.pop(proc.pid, None)

    def stop_all(self) -> None:
        """Stop every process still running that this run started."""
        for proc, _ in list(self.running.values()):
            self.stop(proc)


# Headers each server writes for itself, which the baseline does not replay.
OWN_HEADERS = frozenset({"content-type", "content-length", "date", "server"})


def request(port: int, target: Target) -> tuple[int, str | None, bytes, list[list[str]]]:
    """Send the target's request once; return status, content type, body and the other
    headers of the answer (those a server writes for itself left out)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=PROBE_TIMEOUT_S)
    try:
        conn.request(target.method, target.path, body=target.body, headers=target.headers)
        response = conn.getresponse()
        headers = [[name.lower(), value] for name, value in response.getheaders()
                   if name.lower() not in OWN_HEADERS]
        return response.status, response.getheader("content-type"), response.read(), headers
    finally:
        conn.close()


def wait_ready(
    procs: Processes, proc: subprocess.Popen[bytes], port: int, probe: Target, want_200: bool
) -> None:
    """Poll until the server answers the probe (with 200 if want_200), bounded in time."""
    deadline = time.perf_counter() + READY_TIMEOUT_S
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{proc.args!r} exited with {proc.returncode} before answering:"
                f"\n{procs.log_tail(proc)}"
            )
        try:
            status = request(port, probe)[0]
        except (OSError, http.client.HTTPException):
            status = None
        if status is not None and (status == 200 or not want_200):
            return
        time.sleep(POLL_INTERVAL_S)
    raise TimeoutError(
        f"{proc.args!r} did not answer {probe.method} {probe.path} "
        f"{'with 200 ' if want_200 else ''}within {READY_TIMEOUT_S:.0f} s:"
        f"\n{procs.log_tail(proc)}"
    )


def with_processes(prefix: str, body: Callable[[Processes, Path], int]) -> int:
    """Run `body` with a scratch folder and the processes it starts, which are stopped
    however it ends (SIGTERM included); an error is a line on stderr and exit status 1."""
    stop_servers_on_sigterm()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        procs = Processes(Path(tmp))
        try:
            return body(procs, Path(tmp))
        except (OSError, ValueError, KeyError, RuntimeError, TimeoutError,
                subprocess.SubprocessError) as exc:
            log(f"error: {exc}")
            return 1
        finally:
            procs.stop_all()
