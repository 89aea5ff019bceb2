"""Cost of the pytest `mailtwin` fixture per test, and server start to first answer.

1. Per-test overhead: 1,000 trivial tests using the `mailtwin` fixture (reset included)
   against the same 1,000 tests without it, each suite run in its own pytest process; the
   overhead is the difference of the median per-test durations (setup + call + teardown);
   and the slope of the suites' wall time between 200 and 800 tests (`--slope`), with and
   without the fixture, whose difference is what each test pays for it.
2. Start to first answer: `mailtwin serve` (every provider loaded) spawned until its first 200
   on `GET /emma/100/mailings/200`, against a bare Starlette app under uvicorn spawned the same
   way, median of N starts each, alternating.

Everything listens on 127.0.0.1 only; the script stops only the processes it started.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]

RECORDER = '''
import json, os

DURATIONS = {}


def pytest_runtest_logreport(report):
    DURATIONS[report.nodeid] = DURATIONS.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    with open(os.environ["MAILTWIN_BENCH_OUT"], "w") as out:
        json.dump(DURATIONS, out)
'''

WITH_FIXTURE = '''
import pytest

@pytest.mark.parametrize("n", range({count}))
def test_trivial(mailtwin, n):
    assert n >= 0
'''

WITHOUT_FIXTURE = '''
import pytest

@pytest.mark.parametrize("n", range({count}))
def test_trivial(n):
    assert n >= 0
'''

BASELINE_APP = '''
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def mailing(request):
    return JSONResponse({"mailing_id": 200})

app = Starlette(routes=[Route("/emma/100/mailings/200", mailing)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
'''


def per_test(folder: Path, body: str, count: int) -> list[float]:
    """Per-test durations (seconds) of one suite, run in its own pytest process."""
    (folder / "test_suite.py").write_text(body.format(count=count))
    out = folder / "durations.json"
    env = {**os.environ, "MAILTWIN_BENCH_OUT": str(out)}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "-p", "recorder", "test_suite.py"], cwd=folder, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=600)
    durations: dict[str, float] = json.loads(out.read_text())
    return list(durations.values())


def fixture_overhead(count: int, rounds: int) -> dict[str, float]:
    """Median per-test time with and without the fixture (best round of each), in ms."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "recorder.py").write_text(RECORDER)
        bare: list[float] = []
        fixture: list[float] = []
        for _ in range(rounds):
            bare.append(statistics.median(per_test(folder, WITHOUT_FIXTURE, count)))
            fixture.append(statistics.median(per_test(folder, WITH_FIXTURE, count)))
    base, used = min(bare) * 1000, min(fixture) * 1000
    return {"tests": count, "median_without_ms": base, "median_with_ms": used,
            "overhead_ms": used - base}


def wall(folder: Path, body: str, count: int) -> float:
    """Seconds one suite takes in its own pytest process, start to exit."""
    (folder / "test_suite.py").write_text(body.format(count=count))
    env = {**os.environ, "MAILTWIN_BENCH_OUT": str(folder / "durations.json")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "-p", "recorder", "test_suite.py"], cwd=folder, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=600)
    return time.perf_counter() - started


def slope(small: int, large: int, rounds: int) -> dict[str, float]:
    """Milliseconds each more test costs, with and without the fixture: the slope of a
    suite's wall time between `small` and `large` tests (best round of each size), which
    leaves out what a session pays once (start-up, the server)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "recorder.py").write_text(RECORDER)
        best: dict[tuple[str, int], float] = {}
        for _ in range(rounds):
            for name, body in (("with", WITH_FIXTURE), ("without", WITHOUT_FIXTURE)):
                for count in (small, large):
                    took = wall(folder, body, count)
                    best[name, count] = min(best.get((name, count), took), took)
    per = {name: (best[name, large] - best[name, small]) / (large - small) * 1000
           for name in ("with", "without")}
    return {"small": small, "large": large, "with_ms": per["with"],
            "without_ms": per["without"], "overhead_ms": per["with"] - per["without"]}


def first_answer(command: list[str], port: int, auth: tuple[str, str] | None) -> float:
    """Seconds from spawning a server to its first 200 on the Emma mailing."""
    url = f"http://127.0.0.1:{port}/emma/100/mailings/200"
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = start + 60
        while time.perf_counter() < deadline:
            try:
                if httpx.get(url, auth=auth, timeout=1).status_code == 200:
                    return time.perf_counter() - start
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"{command[:3]} exited before answering")
            time.sleep(0.005)
        raise RuntimeError("no answer within 60 s")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_times(starts: int) -> dict[str, float]:
    from mailtwin.server import free_port

    mailtwin: list[float] = []
    baseline: list[float] = []
    for _ in range(starts):
        port = free_port()
        baseline.append(first_answer([sys.executable, "-c", BASELINE_APP, str(port)], port,
                                     None))
        port = free_port()
        mailtwin.append(first_answer([sys.executable, "-m", "mailtwin", "serve", "--port",
                                      str(port), "--log-level", "warning"], port,
                                     ("public", "private")))
    m, b = statistics.median(mailtwin), statistics.median(baseline)
    return {"starts": starts, "mailtwin_s": m, "baseline_s": b, "ratio": m / b}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--slope", type=int, nargs=2, default=(200, 800), metavar=("SMALL",
                        "LARGE"), help="suite sizes of the slope (default 200 800)")
    args = parser.parse_args()
    overhead = fixture_overhead(args.tests, args.rounds)
    print(f"fixture: median per test {overhead['median_with_ms']:.3f} ms with `mailtwin`, "
          f"{overhead['median_without_ms']:.3f} ms without -> overhead "
          f"{overhead['overhead_ms']:.3f} ms (target <= 1 ms), {args.tests} tests")
    grown = slope(args.slope[0], args.slope[1], args.rounds)
    print(f"fixture: slope between {grown['small']} and {grown['large']} tests "
          f"{grown['with_ms']:.3f} ms per test with `mailtwin`, {grown['without_ms']:.3f} ms "
          f"without -> overhead {grown['overhead_ms']:.3f} ms (target <= 1 ms)")
    overhead = {**overhead, **{f"slope_{k}": v for k, v in grown.items()}}
    starts = start_times(args.starts) if args.starts else {}
    if starts:
        print(f"start to first answer: mailtwin {starts['mailtwin_s']:.3f} s (all providers), "
              f"bare Starlette {starts['baseline_s']:.3f} s, ratio {starts['ratio']:.2f} "
              f"(target <= 1 s), median of {args.starts}")
    if args.json:
        args.json.write_text(json.dumps({"fixture": overhead, "start": starts}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
