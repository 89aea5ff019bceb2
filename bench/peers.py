"""Peer comparison: mailtwin against the bare app and WireMock, every server in one run.

    .venv/bin/python bench/peers.py [--duration 10] [--warmup 30] [--connections 32]

Servers, each answering the same bytes for an item GET, a list GET and a validated create
(targets from bench/targets.yaml, `--item`, `--list`, `--create`):

- the bare Starlette app of bench/baseline.py on uvicorn + uvloop + httptools, and on granian
  (the create validated with jsonschema, as there);
- mailtwin as installed (`mailtwin serve`: uvicorn, uvloop + httptools), and with
  `--server granian`;
- WireMock 3 standalone (the jar of the npm package `wiremock`, fetched with `npm pack` into a
  cache folder outside the repository; Java from Debian), the answers as stubs and the create
  matched with `matchesJsonSchema`, request journal off, after `--warmup` seconds of JIT
  warm-up on the three requests.

Every server is started and warmed (`--py-warmup` s per request for the Python servers), then
each request is loaded with wrk for `--duration` s on every server in turn, twice, and each
server keeps its best run; cold start is spawn to first 200 of the item GET, median of
`--cold-starts`, the servers alternating. Only 127.0.0.1; every process is the script's own and is
stopped by PID.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from benchlib import (
    BENCH_DIR,
    DEFAULT_SPECS,
    DEFAULT_TARGETS,
    ENV_CAPTURED,
    ENV_SPECS,
    ENV_TARGETS,
    Target,
    _inline_refs,
    _resolve_pointer,
    load_targets,
)
from gates import machine
from loadgen import HOST, RunResult, ensure_wrk, run_wrk, wrk_script
from procs import Processes, free_port, log, request, wait_ready, with_processes
from run import baseline_command, capture, default_mailtwin_cmd

WIREMOCK_VERSION = "3.13.2"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mailtwin-bench"
KINDS = ("item", "list", "create")
DEFAULT_OUTPUT = BENCH_DIR / "results" / "peers.md"
ROUNDS = 2


@dataclass(frozen=True)
class Options:
    duration: int
    warmup: int
    py_warmup: int
    connections: int
    threads: int
    cold_starts: int
    picks: dict[str, str]
    wiremock: bool
    output: Path


@dataclass
class Server:
    """A server under test: how to start it and what it measured."""

    label: str
    stack: str
    command: Callable[[int], list[str]]
    env: dict[str, str]
    warmup: int
    runs: dict[str, RunResult] = field(default_factory=dict)
    cold_ms: list[float] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def cold(self) -> float:
        return statistics.median(self.cold_ms) if self.cold_ms else float("nan")


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per request (10)")
    parser.add_argument("--warmup", type=int, default=30, help="WireMock JIT warm-up s (30)")
    parser.add_argument("--py-warmup", type=int, default=2,
                        help="warm-up seconds per request of the Python servers (2)")
    parser.add_argument("--connections", type=int, default=32, help="open connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--cold-starts", type=int, default=3, help="starts per server (3)")
    parser.add_argument("--item", default="emma-get-mailing", help="item GET target")
    parser.add_argument("--list", default="especial-list-campaigns", help="list GET target")
    parser.add_argument("--create", default="especial-create-campaign",
                        help="validated create target")
    parser.add_argument("--no-wiremock", action="store_true", help="leave WireMock out")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown report")
    ns = parser.parse_args(argv)
    return Options(ns.duration, ns.warmup, ns.py_warmup, ns.connections, ns.threads,
                   ns.cold_starts, {"item": ns.item, "list": ns.list, "create": ns.create},
                   not ns.no_wiremock, ns.output)


def wiremock_jar() -> Path:
    """The standalone jar of the npm package `wiremock`, packed once into the cache."""
    jar = CACHE / f"wiremock-standalone-{WIREMOCK_VERSION}.jar"
    if jar.exists():
        return jar
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mailtwin-wiremock-") as tmp:
        subprocess.run(["npm", "pack", f"wiremock@{WIREMOCK_VERSION}", "--silent"], cwd=tmp,
                       check=True, capture_output=True, timeout=300)
        with tarfile.open(Path(tmp) / f"wiremock-{WIREMOCK_VERSION}.tgz") as archive:
            member = archive.getmember(f"package/build/{jar.name}")
            source = archive.extractfile(member)
            assert source is not None
            jar.write_bytes(source.read())
    return jar


def java() -> str:
    """The java launcher, installed from Debian when missing."""
    found = shutil.which("java")
    if found is None:
        log("java is missing: installing default-jre-headless with apt-get")
        subprocess.run(["apt-get", "update"], check=True, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "default-jre-headless"], check=True,
                       capture_output=True, timeout=900)
        found = shutil.which("java")
    if found is None:
        raise RuntimeError("java could not be installed")
    return found


def write_stubs(root: Path, targets: dict[str, Target], captured: dict[str, Any]) -> None:
    """One WireMock mapping per target answering mailtwin's captured status, headers and
    bytes; the create only for a body that matches its schema (else a 400)."""
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    for kind, target in targets.items():
        answer = captured[target.name]
        headers = {name: value for name, value in answer["headers"]}
        if answer["content_type"]:
            headers["Content-Type"] = answer["content_type"]
        stub: dict[str, Any] = {
            "request": {"method": target.method, "url": target.path},
            "response": {"status": answer["status"], "headers": headers,
                         "base64Body": answer["body_b64"]},
        }
        if target.validate_schema is not None:
            spec = yaml.safe_load((DEFAULT_SPECS / f"{target.provider}.yaml").read_text())
            schema = _inline_refs(_resolve_pointer(spec, target.validate_schema), spec)
            stub["request"]["bodyPatterns"] = [{"matchesJsonSchema": json.dumps(schema),
                                                "schemaVersion": "V202012"}]
            stub["priority"] = 1
            refusal = {"request": {"method": target.method, "url": target.path},
                       "response": {"status": 400, "jsonBody": {"error": "invalid body"}},
                       "priority": 2}
            (mappings / f"{kind}-refused.json").write_text(json.dumps(refusal))
        (mappings / f"{kind}.json").write_text(json.dumps(stub))


def servers(opts: Options, captured_path: Path, work: Path) -> list[Server]:
    """The servers of the comparison, in the order they are measured."""
    bench_env = {**os.environ, ENV_CAPTURED: str(captured_path),
                 ENV_TARGETS: str(DEFAULT_TARGETS), ENV_SPECS: str(DEFAULT_SPECS)}
    mailtwin = default_mailtwin_cmd()
    granian = [sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop",
               "--workers", "1", "--no-ws", "--http", "1", "--log-level", "warning",
               "--host", HOST, "--working-dir", str(BENCH_DIR)]
    found = [
        Server("bare Starlette", "uvicorn, uvloop + httptools", baseline_command, bench_env,
               opts.py_warmup * len(KINDS)),
        Server("bare Starlette", "granian", lambda port: [*granian, "--port", str(port),
                                                          "baseline:app"],
               bench_env, opts.py_warmup * len(KINDS)),
        Server("mailtwin", "uvicorn, uvloop + httptools (as installed)",
               lambda port: [*mailtwin, "serve", "--host", HOST, "--port", str(port),
                             "--seed", "0", "--quiet"], dict(os.environ),
               opts.py_warmup * len(KINDS)),
        Server("mailtwin", "granian (`--server granian`)",
               lambda port: [*mailtwin, "serve", "--host", HOST, "--port", str(port),
                             "--seed", "0", "--quiet", "--server", "granian"],
               dict(os.environ), opts.py_warmup * len(KINDS)),
    ]
    if opts.wiremock:
        jar, launcher, root = wiremock_jar(), java(), work / "wiremock"
        found.append(Server(
            f"WireMock {WIREMOCK_VERSION}", f"Java {java_version(launcher)}, journal off",
            lambda port: [launcher, "-jar", str(jar), "--port", str(port), "--bind-address",
                          HOST, "--root-dir", str(root), "--no-request-journal",
                          "--disable-banner"], dict(os.environ), opts.warmup))
    return found


def java_version(launcher: str) -> str:
    done = subprocess.run([launcher, "-version"], capture_output=True, text=True, timeout=60)
    first = (done.stderr or done.stdout).splitlines()[0]
    return first.split('"')[1] if '"' in first else first


def checked(port: int, targets: dict[str, Target], captured: dict[str, Any], label: str
            ) -> None:
    """Fail unless a server answers each request with mailtwin's status and bytes."""
    for target in targets.values():
        status, _type, body, _headers = request(port, target)
        want = captured[target.name]
        if status != want["status"] or base64.b64encode(body).decode() != want["body_b64"]:
            raise RuntimeError(f"{label} answers {target.name} with {status} {body[:120]!r}")


def measure(opts: Options, procs: Processes, found: list[Server], targets: dict[str, Target],
            captured: dict[str, Any], load: Callable[[Target, int, int], RunResult]) -> None:
    """Start every server and check its answers, warm each up, then load each request on
    every server in turn, ROUNDS times (each keeps its best run, so a busy moment of the
    machine does not decide a ratio); stop them, then time their cold starts."""
    ports: dict[int, int] = {}
    try:
        for n, server in enumerate(found):
            port = ports[n] = free_port()
            proc = procs.start(server.label, server.command(port), server.env)
            server.proc = proc
            wait_ready(procs, proc, port, targets["item"], want_200=True)
            # mailtwin's creates add records: the others answer what a fresh one did.
            checked(port, {k: t for k, t in targets.items()
                           if k != "create" or server.label != "mailtwin"}, captured,
                    server.label)
        for n, server in enumerate(found):
            share = max(1, server.warmup // len(targets))
            for target in targets.values():
                load(target, ports[n], share)
            log(f"{server.label} ({server.stack}) warmed up")
        for kind, target in targets.items():
            for _round in range(ROUNDS):
                for n, server in enumerate(found):
                    run = load(target, ports[n], opts.duration)
                    best = server.runs.get(kind)
                    if best is None or run.rps > best.rps:
                        server.runs[kind] = run
                    log(f"{server.label} ({server.stack}) {kind}: {run.rps:,.0f} rps, "
                        f"p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms")
    finally:
        for server in found:
            if server.proc is not None:
                procs.stop(server.proc)
    for _ in range(opts.cold_starts):
        for server in found:
            port = free_port()
            started = time.perf_counter()
            proc = procs.start(f"cold-{server.label}", server.command(port), server.env)
            try:
                wait_ready(procs, proc, port, targets["item"], want_200=True)
                server.cold_ms.append((time.perf_counter() - started) * 1000)
            finally:
                procs.stop(proc)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "n/a"


def render(opts: Options, found: list[Server], targets: dict[str, Target],
           captured: dict[str, Any]) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()
    sizes = {k: len(base64.b64decode(captured[t.name]["body_b64"])) for k, t in targets.items()}
    lines = [
        "# Peer comparison: mailtwin, the bare app and WireMock",
        "",
        f"- {now}; {machine()}; load average at the end {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f}",
        f"- `wrk -t{opts.threads} -c{opts.connections} -d{opts.duration}s --latency` per "
        f"request on 127.0.0.1, the servers in turn, {ROUNDS} rounds, each server's best; "
        f"warm-up {opts.py_warmup} s per request (Python servers), {opts.warmup} s in all "
        "(WireMock's JIT)",
        f"- item GET `{targets['item'].method} {targets['item'].path}` ({sizes['item']:,} "
        f"bytes), list GET `{targets['list'].path}` ({sizes['list']:,} bytes), validated "
        f"create `{targets['create'].method} {targets['create'].path}` "
        f"({captured[targets['create'].name]['status']}, {sizes['create']:,} bytes; the bare "
        "app validates with jsonschema, WireMock with matchesJsonSchema)",
        "- cold start: spawn to the first 200 of the item GET, median of "
        f"{opts.cold_starts}",
        "",
        "| server | stack | GET item | GET list | validated POST | cold start | p99 / p50 (item, "
        "list, POST) |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for s in found:
        runs = [s.runs.get(k) for k in KINDS]
        cells = [f"{r.rps:,.0f}/s" if r else "-" for r in runs]
        tails = ", ".join(f"{r.p99_ms / r.p50_ms:.1f}" if r and r.p50_ms else "-" for r in runs)
        lines.append(f"| {s.label} | {s.stack} | {' | '.join(cells)} | {s.cold:,.0f} ms "
                     f"| {tails} |")
    lines += ["", "## Ratios", "", "| mailtwin on | against | GET item | GET list | "
              "validated POST | target |", "|---|---|--:|--:|--:|---|"]
    by_key = {(s.label, s.stack.split(",")[0].split(" ")[0]): s for s in found}
    bare = by_key.get(("bare Starlette", "uvicorn"))
    wiremock = next((s for s in found if s.label.startswith("WireMock")), None)
    for mine in (s for s in found if s.label == "mailtwin"):
        for other, goal in ((bare, "item, list >= 0.85; POST >= 1.2"),
                            (wiremock, "item >= 1.2, list >= 1.0, POST >= 0.8")):
            if other is None:
                continue
            cells = [ratio(mine.runs[k].rps, other.runs[k].rps) for k in KINDS]
            lines.append(f"| {mine.stack} | {other.label} ({other.stack}) | "
                         f"{' | '.join(cells)} | {goal} |")
    return "\n".join(lines) + "\n"


def run(opts: Options, procs: Processes, work: Path) -> int:
    all_targets = {t.name: t for t in load_targets(DEFAULT_TARGETS)}
    targets = {kind: all_targets[name] for kind, name in opts.picks.items()}
    wrk = ensure_wrk()
    if wrk is None:
        raise RuntimeError("wrk is required: apt-get install -y wrk")

    def load(target: Target, port: int, seconds: int) -> RunResult:
        script = work / f"{target.name}.lua"
        if not script.exists():
            script.write_text(wrk_script(target), encoding="utf-8")
        return run_wrk(wrk, script, port, target, seconds, opts.connections, opts.threads)

    port = free_port()
    first = procs.start("capture", [*default_mailtwin_cmd(), "serve", "--host", HOST,
                                    "--port", str(port), "--seed", "0", "--quiet"],
                        dict(os.environ))
    wait_ready(procs, first, port, targets["item"], want_200=True)
    captured = capture(port, list(targets.values()))
    procs.stop(first)
    captured_path = work / "captured.json"
    captured_path.write_text(json.dumps(captured), encoding="utf-8")
    if opts.wiremock:
        write_stubs(work / "wiremock", targets, captured)
    found = servers(opts, captured_path, work)
    measure(opts, procs, found, targets, captured, load)
    report = render(opts, found, targets, captured)
    print(report)
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(report, encoding="utf-8")
    log(f"wrote {opts.output}")
    return 0



def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    return with_processes("mailtwin-peers-", lambda procs, work: run(opts, procs, work))


if __name__ == "__main__":
    sys.exit(main())
