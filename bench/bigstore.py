"""Large-store phase of the benchmark: mailings created through the API until the store holds
STORE_SIZE of them, then resident memory, a status-filtered list page, and latency under load
(item GET, list page, create POST), once per garbage-collector mode of the server."""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from benchlib import Target
from loadgen import HOST, REQUEST_TIMEOUT_S, RunResult

STORE_SIZE = 100_000
LOADERS = 8
LIST_SAMPLES = 300
# "freeze": the server's default policy (src/mailtwin/gcpolicy.py); "default": CPython's own.
GC_MODES = ("default", "freeze")
AUTH = {"Authorization": "Bearer bench-store", "Content-Type": "application/json"}
BODY = {"data": {"type": "mailing", "attributes": {"subject": "Load {n}", "bodyText": "Hello"}}}
CREATE = Target("store-create-mailing", "outreach", "POST", "/outreach/api/v2/mailings",
                dict(AUTH), json.dumps(BODY, separators=(",", ":")).encode())
# Drafted is the state every created mailing has: the page is cut from ~100,000 matches.
LIST = Target("store-list-drafted", "outreach", "GET",
              "/outreach/api/v2/mailings?filter[state]=drafted&page[size]=50", dict(AUTH))
# Delivered is rare in the store: the filter has to find a few among ~100,000.
LIST_RARE = Target("store-list-delivered", "outreach", "GET",
                   "/outreach/api/v2/mailings?filter[state]=delivered&page[size]=50", dict(AUTH))
ITEM = Target("store-get-mailing", "outreach", "GET", "/outreach/api/v2/mailings/1", dict(AUTH))


class Servers(Protocol):
    """What this phase needs from the runner's process tracker."""

    def start(self, label: str, cmd: list[str], env: dict[str, str]
              ) -> subprocess.Popen[bytes]: ...

    def stop(self, proc: subprocess.Popen[bytes]) -> None: ...


@dataclass
class StoreResult:
    """What one server, in one GC mode, did with a large store."""

    mode: str
    created: int
    load_seconds: float
    rss_mb: float
    list_ms: dict[str, tuple[float, float]] = field(default_factory=dict)
    runs: dict[str, RunResult] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict."""
        return {"mode": self.mode, "created": self.created, "load_seconds": self.load_seconds,
                "rss_mb": self.rss_mb, "list_ms": self.list_ms,
                "runs": {name: run.to_json() for name, run in self.runs.items()}}


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _loader(port: int, count: int, worker: int, created: list[int], errors: list[str]) -> None:
    """Create `count` mailings over one keep-alive connection."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    template = CREATE.body or b""
    try:
        for sent in range(count):
            body = template.replace(b"{n}", f"{worker}-{sent}".encode())
            conn.request("POST", CREATE.path, body=body, headers=CREATE.headers)
            response = conn.getresponse()
            response.read()
            if response.status != 201:
                errors.append(f"create answered {response.status}")
                return
            created[worker] += 1
    except (OSError, http.client.HTTPException) as exc:
        errors.append(f"create failed: {exc}")
    finally:
        conn.close()


def load(port: int, total: int) -> tuple[int, float]:
    """Create `total` mailings with LOADERS connections; return (created, seconds)."""
    created = [0] * LOADERS
    errors: list[str] = []
    share = [total // LOADERS + (1 if i < total % LOADERS else 0) for i in range(LOADERS)]
    threads = [threading.Thread(target=_loader, args=(port, share[i], i, created, errors))
               for i in range(LOADERS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1800)
    if errors:
        raise RuntimeError(f"loading the store failed: {errors[0]}")
    return sum(created), time.perf_counter() - start


def sample_latency(port: int, target: Target, samples: int = LIST_SAMPLES) -> tuple[float, float]:
    """Median and p99 (ms) of sequential requests on one connection, after a warm-up."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    times: list[float] = []
    try:
        for i in range(samples + 10):
            start = time.perf_counter()
            conn.request(target.method, target.path, headers=target.headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{target.path} answered {response.status}")
            if i >= 10:
                times.append((time.perf_counter() - start) * 1000.0)
    finally:
        conn.close()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def measure_store(servers: Servers, command: Callable[[int], list[str]],
                  env: dict[str, str], port_for: Callable[[], int],
                  ready: Callable[[subprocess.Popen[bytes], int], None],
                  loadgen: Callable[[Target, int], RunResult], size: int,
                  log: Callable[[str], None]) -> list[StoreResult]:
    """Per GC mode: a fresh server, `size` mailings through the API, then the measurements."""
    results = []
    for mode in GC_MODES:
        port = port_for()
        proc = servers.start(f"store-{mode}", command(port), {**env, "MAILTWIN_GC": mode})
        try:
            ready(proc, port)
            created, seconds = load(port, size)
            log(f"store ({mode} GC): {created:,} mailings in {seconds:.1f} s")
            result = StoreResult(mode, created, seconds, rss_mb(proc.pid))
            for target in (LIST, LIST_RARE):
                result.list_ms[target.name] = sample_latency(port, target)
            for target in (ITEM, LIST, CREATE):
                result.runs[target.name] = loadgen(target, port)
                run = result.runs[target.name]
                log(f"store ({mode} GC) {target.name}: {run.rps:,.0f} rps, p50 "
                    f"{run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms")
            results.append(result)
        finally:
            servers.stop(proc)
    return results
