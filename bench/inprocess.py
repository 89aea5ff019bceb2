"""Per-request time through the ASGI app in this process (no socket): item and list GETs and
creates, each N requests after a warm-up, median of several rounds.

    .venv/bin/python bench/inprocess.py [--requests 3000] [--rounds 5] [--profile 10000]

With `--profile N`, each target's N requests run once more under cProfile and the entries
that took the most time of their own are printed.

It measures the request path itself (parsing, auth, validation, handler, store, rendering,
journal), so a change to that path shows up without the noise of a load generator.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import gc
import json
import pstats
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from mailtwin import Config, create_app

Target = tuple[str, str, str, list[tuple[bytes, bytes]], bytes]
BASIC = b"Basic " + base64.b64encode(b"public:private")
TARGETS: dict[str, Target] = {
    "emma item GET": ("GET", "/emma/100/mailings/200", "", [(b"authorization", BASIC)], b""),
    "emma list GET": ("GET", "/emma/100/mailings", "", [(b"authorization", BASIC)], b""),
    "especial list GET": ("GET", "/especial/campaigns", "per_page=50",
                          [(b"authorization", b"Bearer bench-token")], b""),
    "especial create": (
        "POST", "/especial/campaigns", "",
        [(b"authorization", b"Bearer bench-token"), (b"content-type", b"application/json")],
        json.dumps({"name": "Bench campaign", "audience": {"list_id": 1},
                    "sender": {"id": "news-desk"},
                    "content": {"subject": "Hello", "html": "<p>Hello</p>"}}).encode()),
    "outreach create": (
        "POST", "/outreach/api/v2/mailings", "",
        [(b"authorization", b"Bearer bench-token"), (b"content-type", b"application/json")],
        json.dumps({"data": {"type": "mailing", "attributes": {
            "subject": "Bench", "bodyText": "Hello"}}}).encode()),
}


def _scope(method: str, path: str, query: str, headers: list[tuple[bytes, bytes]]
           ) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "query_string": query.encode(),
            "headers": [(b"host", b"mailtwin.test"), *headers], "scheme": "http",
            "server": ("127.0.0.1", 80)}


async def _once(app: Callable[..., Awaitable[None]], target: Target) -> int:
    method, path, query, headers, body = target
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(_scope(method, path, query, headers), receive, send)
    return status


async def _round(app: Callable[..., Awaitable[None]], target: Target, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await _once(app, target)
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="then profile N requests of each target")
    parser.add_argument("--top", type=int, default=15, help="profile entries shown")
    options = parser.parse_args()
    for name, target in TARGETS.items():
        app = create_app(Config(seed=0, journal_limit=1000))
        status = asyncio.run(_once(app, target))
        asyncio.run(_round(app, target, 200))  # warm-up
        # As the server does (gcpolicy): what start-up left is out of the collector's sight.
        gc.collect()
        gc.freeze()
        rounds = [asyncio.run(_round(app, target, options.requests))
                  for _ in range(options.rounds)]
        print(f"{name}: status {status}, median {statistics.median(rounds):.1f} us/request "
              f"(min {min(rounds):.1f}, max {max(rounds):.1f}; {options.rounds} rounds of "
              f"{options.requests})")
        if options.profile:
            profile = cProfile.Profile()
            profile.enable()
            asyncio.run(_round(app, target, options.profile))
            profile.disable()
            print(f"{name}: {options.profile:,} requests under cProfile, by own time")
            pstats.Stats(profile).sort_stats("tottime").print_stats(options.top)


if __name__ == "__main__":
    main()
