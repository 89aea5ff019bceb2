"""Webhook throughput to a local receiver, and what it does to provider GETs served meanwhile.

    .venv/bin/python bench/webhooks.py [--subscriptions 20] [--creates 250] [--gets 1500]

Three processes on 127.0.0.1: `mailtwin serve` (Especial only, deliveries allowed to
127.0.0.1 only), a webhook receiver (mailtwin.webhooks.receiver in its own process) and this
one. `--subscriptions` webhooks ask for List.Created at the receiver, so each list created
makes that many deliveries. Then:

0. the baseline: one bare httpx client in this process posting as many bodies to the same
   receiver, sequentially (the most one Python HTTP client does here, on this machine now);
1. GETs alone: `--gets` sequential `GET /especial/lists` (the baseline p50 and p99);
2. deliveries alone: `--creates` lists created, then a flush; deliveries a second over the
   time from the first create to the end of the flush;
3. the same again while a second thread sends GETs back to back: the deliveries a second
   then, and the p99 / p50 of those GETs.

Targets: at least 1,000 deliveries a second; p99 / p50 of the GETs during deliveries at most
3. Every process it starts is stopped by PID; every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procs import Processes, free_port, log

TOKEN = {"Authorization": "Bearer bench-hooks"}
RECEIVER = ("import sys, time\n"
            "from mailtwin.webhooks.receiver import WebhookReceiver\n"
            "r = WebhookReceiver().start()\n"
            "print(r.url, flush=True)\n"
            "time.sleep(float(sys.argv[1]))\n")


def _wait_ready(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/__mailtwin/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def _gets(http: httpx.Client, count: int, out: list[float]) -> None:
    for _ in range(count):
        started = time.perf_counter()
        answer = http.get("/especial/lists", headers=TOKEN)
        out.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"GET answered {answer.status_code}")


def _deliver(http: httpx.Client, creates: int, label: str) -> dict[str, Any]:
    """Create lists (each makes a delivery per subscription) and flush; the flush's answer
    with the seconds it all took."""
    started = time.perf_counter()
    for n in range(creates):
        http.post("/especial/lists", headers=TOKEN, json={
            "name": f"bench {label} {n}", "default_sender": {"id": "news-desk"}}
            ).raise_for_status()
    flushed: dict[str, Any] = http.post("/__mailtwin/webhooks/flush",
                                        json={"timeout": 300}).json()
    flushed["seconds"] = time.perf_counter() - started
    return flushed


def _bare_rate(receiver_url: str, count: int) -> float:
    """Deliveries a second one bare httpx client in this process makes to the same receiver
    (a body of the same size, sequentially): the baseline of this run."""
    body = json.dumps({"event": "List.Created", "created_on": 0, "data": {
        "id": 1, "name": "bench 0", "status": "active", "language": "en_US"}}).encode()
    with httpx.Client(trust_env=False) as bare:
        started = time.perf_counter()
        for n in range(count):
            bare.post(f"{receiver_url}/{n % 20}", content=body,
                      headers={"content-type": "application/json", "x-signature": "x"})
        return count / (time.perf_counter() - started)


def _quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1,
                                                   int(len(ordered) * 0.99))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--creates", type=int, default=250)
    parser.add_argument("--gets", type=int, default=1500)
    args = parser.parse_args()
    procs = Processes(Path(tempfile.mkdtemp(prefix="mailtwin-bench-hooks-")))
    try:
        receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, "600"],
                                    stdout=subprocess.PIPE, text=True)
        procs.running[receiver.pid] = (receiver, procs.log_dir / "receiver")  # type: ignore
        receiver_url = (receiver.stdout.readline() if receiver.stdout else "").strip()
        port = free_port()
        env = {**os.environ, "MAILTWIN_WEBHOOK_HOSTS": "127.0.0.1"}
        procs.start("mailtwin", [sys.executable, "-m", "mailtwin", "serve", "--port",
                                 str(port), "--quiet", "--provider", "especial"], env)
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url)
        baseline = _bare_rate(receiver_url, args.subscriptions * args.creates)
        with httpx.Client(base_url=url, timeout=310.0) as http, \
                httpx.Client(base_url=url, timeout=30.0) as reader:
            for n in range(args.subscriptions):
                http.post("/especial/webhooks", headers=TOKEN, json={
                    "event": "List.Created", "url": f"{receiver_url}/{n}",
                    "rate_limit": 1_000_000, "rate_limit_period": "second"}).raise_for_status()
            alone: list[float] = []
            _gets(reader, min(200, args.gets), [])  # warm-up
            _gets(reader, args.gets, alone)
            alone_rate = _deliver(http, args.creates, "alone")
            during: list[float] = []
            done = threading.Event()

            def read_meanwhile() -> None:
                while not done.is_set():
                    _gets(reader, 50, during)

            thread = threading.Thread(target=read_meanwhile, daemon=True)
            started = time.perf_counter()
            thread.start()
            flushed = _deliver(http, args.creates, "during")
            elapsed = time.perf_counter() - started
            done.set()
            thread.join(timeout=60)
            page = http.get("/__mailtwin/webhooks/deliveries",
                            params={"status": "delivered", "limit": 1}).json()
            delivered = page["deliveries"][0]["seq"] if page["deliveries"] else 0
            failed = len(http.get("/__mailtwin/webhooks/deliveries",
                                  params={"status": "failed", "limit": 1000}).json()[
                                      "deliveries"])
        p50_alone, p99_alone = _quantiles(alone)
        p50, p99 = _quantiles(during)
        total = args.subscriptions * args.creates
        report = {
            "deliveries_alone_per_second": round(total / alone_rate["seconds"], 1),
            "deliveries": total, "delivered_seq": delivered,
            "failed": failed, "unfinished": flushed["unfinished"],
            "seconds": round(elapsed, 3),
            "deliveries_during_gets_per_second": round(total / elapsed, 1),
            "bare_httpx_per_second": round(baseline, 1),
            "alone_ratio_to_bare": round(total / alone_rate["seconds"] / baseline, 2),
            "gets_alone_ms": {"p50": round(p50_alone, 3), "p99": round(p99_alone, 3)},
            "gets_during_ms": {"p50": round(p50, 3), "p99": round(p99, 3),
                               "count": len(during)},
            "p99_over_p50_during": round(p99 / p50, 2),
            "p99_during_over_p50_alone": round(p99 / p50_alone, 2)}
        print(json.dumps(report, indent=2))
        ok = (report["deliveries_alone_per_second"] >= 1000
              and report["p99_over_p50_during"] <= 3)
        log("targets met" if ok else "targets NOT met")
        return 0 if ok else 1
    finally:
        procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
