"""Load on a shared server: many clients sending 4 MiB bodies without credentials and making a
new tenant per request, while one client measures a plain GET. Reports the server's peak
resident memory against a bound and the GET's latency; exits 1 if memory went over.

    python bench/shared_load.py                    # 64 clients for 30 s
    python bench/shared_load.py --duration 5 --clients 8

Loopback only; the run stops by itself (at most 45 s of load, 60 s in all, sooner if memory
passes twice the bound) and stops only the server it started, by PID.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[1]
BIG = b'{"subject": "' + b"x" * (4 * 1024 * 1024 - 16) + b'"}'
MAX_LOAD_S = 45.0
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


@dataclass
class Tally:
    """What the clients saw, shared between threads (guarded by a lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    peak_rss_kib: int = 0
    # Set when memory passes the abort bound: every client stops at once.
    stop: threading.Event = field(default_factory=threading.Event)

    def add(self, kind: str, status: int) -> None:
        with self.lock:
            self.answers[(kind, status)] += 1

    def fail(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    """The resident memory of a process (VmRSS), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def start_server(port: int, src: Path, *options: str,
                 timeout: float = START_TIMEOUT_S) -> subprocess.Popen[bytes]:
    """`mailtwin serve` from `src` on 127.0.0.1:port (with more `options`), once it listens."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    process = subprocess.Popen(
        [sys.executable, "-m", "mailtwin", "serve", "--host", HOST, "--port", str(port),
         "--log-level", "warning", *options], env=env, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.05)
    stop_server(process)
    raise RuntimeError("the server did not start in time")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server this run started (its PID only)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


def _basic(user: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:secret".encode()).decode()


def client_loop(number: int, port: int, until: float, tally: Tally) -> None:
    """One client: its requests in turn on one keep-alive connection, until the deadline."""
    kinds = itertools.cycle(["big", "tenant", "anonymous"])
    tenants = itertools.count()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    while time.monotonic() < until and not tally.stop.is_set():
        kind = next(kinds)
        body, headers = b"", {}
        if kind == "big":
            method, path = "POST", "/emma/100/mailings/validate"
            body, headers = BIG, {"content-type": "application/json"}
        elif kind == "tenant":
            n = next(tenants)
            name = f"load-{number}-{n}"
            method = "GET"
            path, headers = [
                ("/emma/100/mailings/200", {"authorization": _basic(name)}),
                ("/outreach/api/v2/mailings/1", {"authorization": f"Bearer {name}"}),
                ("/especial/lists", {"authorization": f"Bearer {name}"}),
            ][n % 3]
        else:
            method, path = "GET", "/outreach/api/v2/mailings"
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            response.read()
            tally.add(kind, response.status)
        except (OSError, http.client.HTTPException):
            tally.fail(kind)
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.close()


def probe_loop(port: int, until: float, tally: Tally) -> None:
    """The measured client: one GET of an existing tenant every 20 ms."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"authorization": _basic("probe")}
    while time.monotonic() < until and not tally.stop.is_set():
        started = time.perf_counter()
        try:
            conn.request("GET", "/emma/100/mailings/200", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                with tally.lock:
                    tally.latencies.append(time.perf_counter() - started)
            else:
                tally.add("probe", response.status)
        except (OSError, http.client.HTTPException):
            tally.fail("probe")
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
        time.sleep(0.02)
    conn.close()


def memory_loop(pid: int, until: float, abort_kib: int, tally: Tally) -> None:
    """Sample the server's memory; stop the run if it passes the abort bound."""
    while time.monotonic() < until and not tally.stop.is_set():
        tally.peak_rss_kib = max(tally.peak_rss_kib, rss_kib(pid))
        if tally.peak_rss_kib > abort_kib:
            tally.stop.set()
        time.sleep(0.1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def run(duration: float, clients: int, max_rss_mb: float, src: Path) -> int:
    duration = min(duration, MAX_LOAD_S)
    port = free_port()
    server = start_server(port, src)
    tally = Tally()
    try:
        started_rss = rss_kib(server.pid)
        began = time.monotonic()
        until = began + duration
        threads = [threading.Thread(target=client_loop, args=(n, port, until, tally),
                                    daemon=True) for n in range(clients)]
        threads.append(threading.Thread(target=probe_loop, args=(port, until, tally),
                                        daemon=True))
        abort_kib = int(2 * max_rss_mb * 1024)
        threads.append(threading.Thread(target=memory_loop,
                                        args=(server.pid, until, abort_kib, tally),
                                        daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=duration + 15)
        tally.peak_rss_kib = max(tally.peak_rss_kib, rss_kib(server.pid))
        elapsed = time.monotonic() - began
    finally:
        stop_server(server)
    peak_mb = tally.peak_rss_kib / 1024
    print(f"{clients} clients for {elapsed:.0f} s against 127.0.0.1:{port}")
    for (kind, status), count in sorted(tally.answers.items()):
        print(f"  {kind:<10} {status}: {count}")
    for kind, count in sorted(tally.errors.items()):
        print(f"  {kind:<10} connection errors: {count}")
    lat = tally.latencies
    print(f"resident memory: {started_rss / 1024:.0f} MB at start, peak {peak_mb:.0f} MB "
          f"(bound {max_rss_mb:.0f} MB)")
    print(f"concurrent GET: {len(lat)} answered, p50 {percentile(lat, 0.5) * 1000:.1f} ms, "
          f"p99 {percentile(lat, 0.99) * 1000:.1f} ms, max {max(lat, default=0) * 1000:.1f} ms")
    within = peak_mb <= max_rss_mb
    if tally.stop.is_set():
        print(f"stopped early: memory passed {2 * max_rss_mb:.0f} MB")
    print("within the bound" if within else "OVER THE BOUND")
    return 0 if within else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0,
                        help=f"seconds of load (at most {MAX_LOAD_S:g}; default 30)")
    parser.add_argument("--clients", type=int, default=64, help="clients (default 64)")
    parser.add_argument("--max-rss-mb", type=float, default=1024.0,
                        help="the resident memory bound, in MB (default 1024)")
    parser.add_argument("--src", type=Path, default=REPO / "src",
                        help="the source folder of the mailtwin to serve (default: this one)")
    args = parser.parse_args(argv)
    return run(args.duration, args.clients, args.max_rss_mb, args.src)


if __name__ == "__main__":
    sys.exit(main())
