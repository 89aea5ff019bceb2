"""Load benchmark: mailtwin against a bare Starlette app replaying mailtwin's own answers.

Run from the repo root: `python bench/run.py [--quick] [--only NAME] [--json PATH]`.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlib import (
    BENCH_DIR,
    DEFAULT_SPECS,
    DEFAULT_TARGETS,
    ENV_CAPTURED,
    ENV_SPECS,
    ENV_TARGETS,
    Target,
    compile_validator,
    load_targets,
)
from bigstore import STORE_SIZE, StoreResult, measure_store
from gates import Row, gates, machine, render_gates, render_store, update_readme
from loadgen import HOST, RunResult, ensure_wrk, run_python, run_wrk, wrk_script
from procs import Processes, free_port, log, request, wait_ready, with_processes

DEFAULT_OUTPUT = BENCH_DIR / "results" / "latest.md"
SIDES = ("baseline", "mailtwin")
ROUNDS = 2


@dataclass(frozen=True)
class Options:
    """Parsed command-line options."""

    duration: int
    connections: int
    threads: int
    only: str | None
    quick: bool
    json_path: Path | None
    output: Path
    targets: Path
    specs_dir: Path
    mailtwin_cmd: list[str]
    cold_starts: int
    cold_start_target: str | None
    loadgen: str
    store_size: int = STORE_SIZE


@dataclass
class TargetResult:
    """Captured status and the interleaved runs of one target."""

    target: Target
    status: int
    runs: dict[str, list[RunResult]] = field(default_factory=lambda: {s: [] for s in SIDES})

    def best(self, side: str) -> RunResult:
        """Return the side's run with the highest throughput."""
        return max(self.runs[side], key=lambda r: r.rps)

    @property
    def ratio(self) -> float:
        """Return mailtwin's best rps over the baseline's best rps."""
        base = self.best("baseline").rps
        return self.best("mailtwin").rps / base if base > 0 else 0.0


@dataclass
class ColdStart:
    """Spawn-to-first-200 times of both servers, in milliseconds."""

    probe: Target
    times_ms: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SIDES})

    def median(self, side: str) -> float:
        """Return the side's median cold start in milliseconds."""
        return statistics.median(self.times_ms[side])


def default_mailtwin_cmd() -> list[str]:
    """Return the console script beside this interpreter, else `python -m mailtwin`."""
    script = Path(sys.executable).parent / "mailtwin"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mailtwin"]


def parse_args(argv: Sequence[str] | None) -> Options:
    """Parse the command line into Options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=5, help="seconds per run (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (16)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--only", metavar="NAME", help="only targets whose name contains NAME")
    parser.add_argument("--quick", action="store_true", help="1 s runs, for smoke tests")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown output")
    parser.add_argument("--targets", type=Path, default=DEFAULT_TARGETS, help="targets YAML")
    parser.add_argument("--specs-dir", type=Path, default=DEFAULT_SPECS, help="provider specs")
    parser.add_argument(
        "--mailtwin-cmd",
        help="command run as `CMD serve ...` (default: the "
        "mailtwin script beside this python, else python -m mailtwin)",
    )
    parser.add_argument("--cold-starts", type=int, default=5, help="starts per server (0: skip)")
    parser.add_argument(
        "--cold-start-target",
        metavar="NAME",
        help="target probed for cold start (default: the first one)",
    )
    parser.add_argument(
        "--loadgen",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto: wrk, installing it with apt-get, else the Python fallback",
    )
    parser.add_argument("--store-size", type=int, default=None,
                        help=f"mailings for the large-store phase ({STORE_SIZE:,}; 0 skips)")
    ns = parser.parse_args(argv)
    duration = 1 if ns.quick else ns.duration
    if duration < 1 or ns.connections < 1 or ns.threads < 1 or ns.cold_starts < 0:
        parser.error("--duration, --connections, --threads must be >= 1, --cold-starts >= 0")
    if ns.threads > ns.connections:
        parser.error("--threads must not exceed --connections")
    return Options(
        duration=duration,
        connections=ns.connections,
        threads=ns.threads,
        only=ns.only,
        quick=ns.quick,
        json_path=ns.json,
        output=ns.output,
        targets=ns.targets,
        specs_dir=ns.specs_dir,
        mailtwin_cmd=shlex.split(ns.mailtwin_cmd) if ns.mailtwin_cmd else default_mailtwin_cmd(),
        cold_starts=ns.cold_starts,
        cold_start_target=ns.cold_start_target,
        loadgen=ns.loadgen,
        store_size=ns.store_size if ns.store_size is not None else
        (10_000 if ns.quick else STORE_SIZE),
    )


def mailtwin_command(opts: Options, port: int) -> list[str]:
    """Return the command serving mailtwin on a port (no request log, as the baseline has no
    access log)."""
    return [*opts.mailtwin_cmd, "serve", "--host", HOST, "--port", str(port), "--seed", "0",
            "--quiet"]


def baseline_command(port: int) -> list[str]:
    """Return the command serving the baseline app on a port."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "baseline:app",
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        "1",
        # The fast baseline: the stack a tuned Starlette deployment runs on.
        "--loop",
        "uvloop",
        "--http",
        "httptools",
    ]


BASELINE_STACK = "uvloop + httptools"


def stack_of(procs: Processes, proc: subprocess.Popen[bytes]) -> str:
    """The HTTP stack a mailtwin server reported in its start-up banner."""
    found = re.search(r"mailtwin \S+ on (.+)$", procs.log_tail(proc, 40), re.M)
    return found.group(1).strip() if found else "unknown"


def baseline_env(opts: Options, captured_path: Path) -> dict[str, str]:
    """Return the environment that points the baseline at the captured responses."""
    return {
        **os.environ,
        ENV_CAPTURED: str(captured_path),
        ENV_TARGETS: str(opts.targets),
        ENV_SPECS: str(opts.specs_dir),
    }


def preflight(targets: list[Target], specs_dir: Path) -> None:
    """Compile every needed schema and check each benchmark body against it before starting."""
    for target in targets:
        if target.validate_schema is None:
            continue
        validator = compile_validator(specs_dir, target.provider, target.validate_schema)
        if target.body is None:
            raise ValueError(f"{target.name}: validate_schema is set but there is no body")
        errors = list(validator.iter_errors(json.loads(target.body)))
        if errors:
            raise ValueError(f"{target.name}: body fails its schema: {errors[0].message}")


def capture(port: int, targets: list[Target]) -> dict[str, dict[str, Any]]:
    """Record mailtwin's answer to each target, for the baseline to replay."""
    captured: dict[str, dict[str, Any]] = {}
    for target in targets:
        status, content_type, body, headers = request(port, target)
        captured[target.name] = {
            "status": status,
            "content_type": content_type,
            "headers": headers,
            "body_b64": base64.b64encode(body).decode("ascii"),
        }
        log(f"captured {target.name}: {status} {content_type} {len(body)} bytes")
    return captured


LoadRun = Callable[[Target, int], RunResult]


def make_loadgen(opts: Options, work_dir: Path) -> tuple[str, LoadRun]:
    """Pick wrk (installing it if needed) or the Python fallback; return a label and runner."""
    wrk = ensure_wrk() if opts.loadgen in ("auto", "wrk") else None
    if wrk is None and opts.loadgen == "wrk":
        raise RuntimeError("wrk is required (--loadgen wrk) but could not be installed")
    if wrk is None:
        log("using the Python load generator: it is GIL-bound, so read ratios, not absolute rps")
        label = f"python http.client fallback, {opts.connections} threads, {opts.duration}s"

        def run_fallback(target: Target, port: int) -> RunResult:
            return run_python(port, target, opts.duration, opts.connections)

        return label, run_fallback

    def run_with_wrk(target: Target, port: int) -> RunResult:
        script = work_dir / f"{target.name}.lua"
        if not script.exists():
            script.write_text(wrk_script(target), encoding="utf-8")
        return run_wrk(wrk, script, port, target, opts.duration, opts.connections, opts.threads)

    label = f"wrk -t{opts.threads} -c{opts.connections} -d{opts.duration}s --latency"
    return label, run_with_wrk


def measure(
    targets: list[Target],
    captured: dict[str, dict[str, Any]],
    ports: dict[str, int],
    loadgen: LoadRun,
) -> list[TargetResult]:
    """Run each target baseline, mailtwin, baseline, mailtwin."""
    results = []
    for target in targets:
        result = TargetResult(target, int(captured[target.name]["status"]))
        for round_no in range(1, ROUNDS + 1):
            for side in SIDES:
                run = loadgen(target, ports[side])
                result.runs[side].append(run)
                log(
                    f"{target.name} {side} run {round_no}: {run.rps:,.0f} rps, "
                    f"p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"
                )
        results.append(result)
    return results


def time_cold_start(
    procs: Processes, label: str, cmd: list[str], env: dict[str, str], probe: Target, port: int
) -> float:
    """Return milliseconds from spawning a server to its first 200 on the probe."""
    start = time.perf_counter()
    proc = procs.start(label, cmd, env)
    try:
        wait_ready(procs, proc, port, probe, want_200=True)
        return (time.perf_counter() - start) * 1000.0
    finally:
        procs.stop(proc)


def measure_cold_starts(
    opts: Options, procs: Processes, probe: Target, captured_path: Path
) -> ColdStart:
    """Time opts.cold_starts starts of each server, interleaved."""
    result = ColdStart(probe)
    for i in range(1, opts.cold_starts + 1):
        for side in SIDES:
            port = free_port()
            if side == "mailtwin":
                cmd, env = mailtwin_command(opts, port), dict(os.environ)
            else:
                cmd, env = baseline_command(port), baseline_env(opts, captured_path)
            elapsed = time_cold_start(procs, f"cold-{side}", cmd, env, probe, port)
            result.times_ms[side].append(elapsed)
            log(f"cold start {i}/{opts.cold_starts} {side}: {elapsed:.0f} ms")
    return result


def _ms(value: float) -> str:
    """Format milliseconds for the table."""
    return f"{value:.2f} ms"


def render_markdown(
    opts: Options,
    label: str,
    stacks: str,
    results: list[TargetResult],
    cold: ColdStart | None,
    notes: list[str],
) -> str:
    """Render the results as a markdown report."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark: mailtwin vs bare Starlette baseline",
        "",
        f"- {now}{' (quick smoke run)' if opts.quick else ''}; {machine()}",
        f"- load: `{label}` on 127.0.0.1, per target interleaved baseline, mailtwin, "
        f"baseline, mailtwin",
        f"- HTTP stacks (uvicorn): {stacks}",
        f"- ratio = mailtwin rps / baseline rps, each side's **best** of its {ROUNDS} runs; "
        "p50/p99 come from that best run",
        "",
        "| target | request | status | baseline rps | mailtwin rps | ratio | baseline p50 "
        "| baseline p99 | mailtwin p50 | mailtwin p99 |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        b, m = r.best("baseline"), r.best("mailtwin")
        lines.append(
            f"| {r.target.name} | `{r.target.method} {r.target.path}` | {r.status} "
            f"| {b.rps:,.0f} | {m.rps:,.0f} | {r.ratio:.2f} | {_ms(b.p50_ms)} | {_ms(b.p99_ms)} "
            f"| {_ms(m.p50_ms)} | {_ms(m.p99_ms)} |"
        )
    lines.append("")
    if cold is not None:
        base, mail = cold.median("baseline"), cold.median("mailtwin")
        lines.append(
            f"Cold start (spawn to first 200 of `{cold.probe.method} {cold.probe.path}`, median "
            f"of {len(cold.times_ms['mailtwin'])}): baseline {base:.0f} ms, mailtwin "
            f"{mail:.0f} ms ({mail / base:.2f}x)."
        )
        lines.append("")
    if notes:
        lines += ["Warnings:", "", *(f"- {note}" for note in notes), ""]
    return "\n".join(lines)


def collect_notes(results: list[TargetResult]) -> list[str]:
    """List statuses and errors that make a row measure something other than success."""
    notes = []
    for r in results:
        if not 200 <= r.status < 300:
            notes.append(
                f"{r.target.name}: mailtwin answered {r.status}, so this row measures an error path"
            )
        for side in SIDES:
            errors = sum(run.socket_errors for run in r.runs[side])
            unexpected = sum(run.non_2xx_3xx for run in r.runs[side]) if r.status < 400 else 0
            if errors or unexpected:
                notes.append(
                    f"{r.target.name} {side}: {errors} socket errors, {unexpected} "
                    "non-2xx/3xx answers"
                )
    return notes


def to_json(
    opts: Options, label: str, results: list[TargetResult], cold: ColdStart | None
) -> dict[str, Any]:
    """Return machine-readable results."""
    return {
        "loadgen": label,
        "duration_s": opts.duration,
        "connections": opts.connections,
        "threads": opts.threads,
        "ratio": "mailtwin best rps / baseline best rps",
        "targets": [
            {
                "name": r.target.name,
                "method": r.target.method,
                "path": r.target.path,
                "status": r.status,
                "ratio": r.ratio,
                "best": {side: r.best(side).to_json() for side in SIDES},
                "runs": {side: [run.to_json() for run in r.runs[side]] for side in SIDES},
            }
            for r in results
        ],
        "cold_start": None
        if cold is None
        else {
            "probe": f"{cold.probe.method} {cold.probe.path}",
            "median_ms": {side: cold.median(side) for side in SIDES},
            "times_ms": cold.times_ms,
        },
    }


def select_targets(targets: list[Target], only: str | None) -> list[Target]:
    """Return the targets whose names contain `only`."""
    selected = [t for t in targets if only is None or only in t.name]
    if not selected:
        names = ", ".join(t.name for t in targets)
        raise ValueError(f"--only {only!r} matches no target (have: {names})")
    return selected


def cold_start_probe(targets: list[Target], name: str | None) -> Target:
    """Return the target probed for cold start."""
    if name is None:
        return targets[0]
    for target in targets:
        if target.name == name:
            return target
    raise ValueError(f"--cold-start-target {name!r} is not a target")


def benchmark(opts: Options, procs: Processes, work_dir: Path) -> int:
    """Run the whole benchmark with servers tracked by procs; return the exit code."""
    all_targets = load_targets(opts.targets)
    selected = select_targets(all_targets, opts.only)
    probe = cold_start_probe(all_targets, opts.cold_start_target)
    needed = [*selected, *([probe] if probe not in selected and opts.cold_starts else [])]
    preflight(needed, opts.specs_dir)
    label, loadgen = make_loadgen(opts, work_dir)

    ports = {side: free_port() for side in SIDES}
    mailtwin = procs.start("mailtwin", mailtwin_command(opts, ports["mailtwin"]), dict(os.environ))
    wait_ready(procs, mailtwin, ports["mailtwin"], selected[0], want_200=False)
    stacks = f"baseline {BASELINE_STACK}; mailtwin {stack_of(procs, mailtwin)} (as installed)"
    captured = capture(ports["mailtwin"], needed)
    captured_path = work_dir / "captured.json"
    captured_path.write_text(json.dumps(captured), encoding="utf-8")
    baseline = procs.start(
        "baseline", baseline_command(ports["baseline"]), baseline_env(opts, captured_path)
    )
    wait_ready(procs, baseline, ports["baseline"], selected[0], want_200=False)
    check_replay(ports["baseline"], selected, captured)

    results = measure(selected, captured, ports, loadgen)
    procs.stop(baseline)
    procs.stop(mailtwin)

    notes = collect_notes(results)
    cold = None
    if opts.cold_starts and captured[probe.name]["status"] == 200:
        cold = measure_cold_starts(opts, procs, probe, captured_path)
    elif opts.cold_starts:
        notes.append(
            f"cold start skipped: its probe {probe.name} answered "
            f"{captured[probe.name]['status']}, not 200"
        )
        log(notes[-1])

    store = large_store(opts, procs, loadgen)
    report = render_markdown(opts, label, stacks, results, cold, notes)
    rows = [Row(r.target.name, r.target.method, r.status, r.ratio, r.best("mailtwin"))
            for r in results]
    report += "\n".join(["", *render_store(store),
                         *render_gates(gates(rows, cold.median("mailtwin") if cold else None,
                                             store))])
    print(report)
    if not opts.quick and opts.only is None:
        update_readme(BENCH_DIR / "README.md", report)
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(report, encoding="utf-8")
    log(f"wrote {opts.output}")
    if opts.json_path is not None:
        opts.json_path.write_text(
            json.dumps(to_json(opts, label, results, cold), indent=2) + "\n", encoding="utf-8"
        )
        log(f"wrote {opts.json_path}")
    return 0


def large_store(opts: Options, procs: Processes, loadgen: LoadRun) -> list[StoreResult]:
    """The large-store phase (skipped with --store-size 0)."""
    if opts.store_size <= 0:
        return []

    def ready(proc: subprocess.Popen[bytes], port: int) -> None:
        wait_ready(procs, proc, port, load_targets(opts.targets)[0], want_200=True)

    return measure_store(procs, lambda port: mailtwin_command(opts, port), dict(os.environ),
                         free_port, ready, loadgen, opts.store_size, log)


def check_replay(port: int, targets: list[Target], captured: dict[str, dict[str, Any]]) -> None:
    """Fail unless the baseline answers each target with mailtwin's exact status and bytes."""
    for target in targets:
        status, content_type, body, headers = request(port, target)
        want = captured[target.name]
        if (status, content_type, base64.b64encode(body).decode("ascii"), len(headers)) != (
            want["status"],
            want["content_type"],
            want["body_b64"],
            len(want["headers"]),
        ):
            raise RuntimeError(
                f"baseline does not replay {target.name}: got {status} "
                f"{content_type} {body[:200]!r}"
            )



def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the benchmark, always stopping the servers it started."""
    opts = parse_args(argv)
    return with_processes("mailtwin-bench-", lambda procs, work: benchmark(opts, procs, work))


if __name__ == "__main__":
    sys.exit(main())
