"""The process that makes webhook attempts: JSON lines in on stdin (`{"id", "url",
"headers", "body"}`), JSON lines out on stdout (`{"id", "status", "error", "ms"}`), a few
threads posting with httpx meanwhile. It ends when stdin closes.

Run as a script (`python poster.py TIMEOUT THREADS`), so it imports httpx and nothing of the
sandbox: the server's process keeps its interpreter to itself while deliveries go out.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from typing import IO, Any

import httpx


def _post(client: httpx.Client, job: dict[str, Any], timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    try:
        status = client.post(job["url"], content=job["body"].encode("utf-8"),
                             headers=job["headers"]).status_code
    except httpx.TimeoutException:
        error = f"no answer within {timeout:g} s (timeout)"
    except httpx.ConnectError as failure:
        error = f"connection failed: {failure}"
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"
    return {"id": job["id"], "status": status, "error": error,
            "ms": (time.perf_counter() - started) * 1000}


def serve(source: IO[str], sink: IO[str], timeout: float, threads: int) -> None:
    """Post every job read from `source`, writing each result to `sink`, until EOF."""
    jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
    lock = threading.Lock()

    def work() -> None:
        with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False) as client:
            while (job := jobs.get()) is not None:
                line = json.dumps(_post(client, job, timeout))
                with lock:
                    sink.write(line + "\n")
                    sink.flush()

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for line in source:
        if line.strip():
            jobs.put(json.loads(line))
    for _ in workers:
        jobs.put(None)
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout, float(sys.argv[1]), int(sys.argv[2]))
