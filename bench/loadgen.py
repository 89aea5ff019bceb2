"""Load generators for the benchmark: wrk when available, else a bounded Python fallback."""

from __future__ import annotations

import http.client
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchlib import Target

HOST = "127.0.0.1"
# Caps that keep the fallback bounded even if the clock misbehaves.
MAX_REQUESTS_PER_WORKER = 2_000_000
MAX_ERRORS_PER_WORKER = 1_000
REQUEST_TIMEOUT_S = 5.0

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class RunResult:
    """Throughput and latency of one bounded load run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: int

    def to_json(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict."""
        return asdict(self)


def _log(message: str) -> None:
    """Print a progress line to stderr."""
    print(message, file=sys.stderr, flush=True)


def ensure_wrk() -> str | None:
    """Return the wrk executable, installing it with apt-get if missing; None if impossible."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") is None:
        _log("wrk not found and apt-get is unavailable")
        return None
    _log("wrk not found: installing it with apt-get (apt-get update && apt-get install -y wrk)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        try:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            _log(f"{' '.join(cmd)} failed: {exc}")
            return None
        if done.returncode != 0:
            _log(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
            return None
    return shutil.which("wrk")


def _lua_string(data: bytes) -> str:
    """Quote bytes as a Lua string literal."""
    out = []
    for byte in data:
        char = chr(byte)
        if 0x20 <= byte < 0x7F and char not in '"\\':
            out.append(char)
        else:
            # Always three digits, so a following digit cannot extend the escape.
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def wrk_script(target: Target) -> str:
    """Return the wrk Lua script that sets the target's method, headers and body."""
    lines = [f"wrk.method = {_lua_string(target.method.encode())}"]
    for name, value in target.headers.items():
        lines.append(f"wrk.headers[{_lua_string(name.encode())}] = {_lua_string(value.encode())}")
    if target.body is not None:
        lines.append(f"wrk.body = {_lua_string(target.body)}")
    if target.body is not None and COUNTER in target.body:
        lines.append(_LUA_COUNTER)
    return "\n".join(lines) + "\n"


# `{n}` in a body becomes a value unique per request (thread, start second and count), for
# bodies that must differ each time (unique names); both wrk runs of a target stay distinct.
COUNTER = b"{n}"
_LUA_COUNTER = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local sent = 0
local started = os.time()
function request()
  sent = sent + 1
  local body = (string.gsub(wrk.body, "{n}", tid .. "-" .. started .. "-" .. sent))
  return wrk.format(nil, nil, nil, body)
end"""


def numbered(body: bytes | None, worker: int, sent: int) -> bytes | None:
    """The body with `{n}` replaced by a value unique to this worker and request."""
    if body is None or COUNTER not in body:
        return body
    return body.replace(COUNTER, f"py{worker}-{time.time_ns()}-{sent}".encode())


def _to_ms(number: str, unit: str) -> float:
    """Convert a wrk time (number and unit) to milliseconds."""
    return float(number) * _UNIT_MS[unit]


def parse_wrk(output: str) -> RunResult:
    """Parse the text wrk prints with --latency."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    requests = re.search(r"^\s*(\d+) requests in ", output, re.M)
    pct = {
        m.group(1): _to_ms(m.group(2), m.group(3))
        for m in re.finditer(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    }
    if rps is None or requests is None or "50" not in pct or "99" not in pct:
        raise ValueError(f"cannot parse wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return RunResult(
        rps=float(rps.group(1)),
        p50_ms=pct["50"],
        p99_ms=pct["99"],
        requests=int(requests.group(1)),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in sock.groups()) if sock else 0,
    )


def run_wrk(
    wrk: str,
    script: Path,
    port: int,
    target: Target,
    duration: int,
    connections: int,
    threads: int,
) -> RunResult:
    """Run wrk once against 127.0.0.1:port and parse its result."""
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        f"{REQUEST_TIMEOUT_S:.0f}s",
        "-s",
        str(script),
        f"http://{HOST}:{port}{target.path}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited {done.returncode}: {done.stderr.strip()}")
    return parse_wrk(done.stdout)


def _percentile(ordered: list[float], pct: float) -> float:
    """Return the nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


class _Worker(threading.Thread):
    """One keep-alive connection sending the target request until the deadline."""

    def __init__(self, port: int, target: Target, deadline: float) -> None:
        """Prepare the worker; it connects lazily."""
        super().__init__(daemon=True)
        self.port, self.target, self.deadline = port, target, deadline
        self.latencies: list[float] = []
        self.bad_status = 0
        self.errors = 0

    def run(self) -> None:
        """Send requests until the deadline or a cap is reached."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_S)
        t = self.target
        try:
            while (
                time.perf_counter() < self.deadline
                and len(self.latencies) < MAX_REQUESTS_PER_WORKER
                and self.errors < MAX_ERRORS_PER_WORKER
            ):
                start = time.perf_counter()
                try:
                    body = numbered(t.body, id(self), len(self.latencies))
                    conn.request(t.method, t.path, body=body, headers=t.headers)
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    self.errors += 1
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_S)
                    continue
                self.latencies.append((time.perf_counter() - start) * 1000.0)
                if not 200 <= response.status < 400:
                    self.bad_status += 1
        finally:
            conn.close()


def run_python(port: int, target: Target, duration: int, connections: int) -> RunResult:
    """Run the threaded http.client fallback once; it is GIL-bound, so compare ratios only."""
    start = time.perf_counter()
    workers = [_Worker(port, target, start + duration) for _ in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=duration + 2 * REQUEST_TIMEOUT_S + 5)
    elapsed = time.perf_counter() - start
    latencies = sorted(x for w in workers for x in w.latencies)
    return RunResult(
        rps=len(latencies) / elapsed if elapsed > 0 else 0.0,
        p50_ms=_percentile(latencies, 50),
        p99_ms=_percentile(latencies, 99),
        requests=len(latencies),
        non_2xx_3xx=sum(w.bad_status for w in workers),
        socket_errors=sum(w.errors for w in workers),
    )
