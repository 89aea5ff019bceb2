"""The benchmark's targets: each measured value against its limit, as a markdown table, and
the latest report copied into bench/README.md between two markers."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

from bigstore import CREATE, ITEM, LIST, LIST_RARE, StoreResult
from loadgen import RunResult

MIN_GET_RATIO = 0.85
MIN_POST_RATIO = 1.2
MAX_COLD_START_MS = 1000.0
MAX_LIST_MEDIAN_MS = 5.0
MAX_RSS_MB = 300.0
MAX_TAIL = 3.0
START = "<!-- latest-results:start -->"
END = "<!-- latest-results:end -->"


@dataclass(frozen=True)
class Row:
    """One load target's outcome, as gates needs it."""

    name: str
    method: str
    status: int
    ratio: float
    mailtwin: RunResult


@dataclass(frozen=True)
class Gate:
    """A measured value against its limit."""

    what: str
    value: str
    limit: str
    met: bool


def machine() -> str:
    """Cores and memory of this machine, for the report header."""
    memory = "unknown memory"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB memory"
    return (f"{os.cpu_count()} cores (nproc), {memory}, {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}")


def _tail(run: RunResult) -> float:
    return run.p99_ms / run.p50_ms if run.p50_ms > 0 else 0.0


def gates(rows: list[Row], cold_ms: float | None, store: list[StoreResult]) -> list[Gate]:
    """Every target the benchmark promises, measured."""
    found = []
    for row in rows:
        minimum = MIN_GET_RATIO if row.method == "GET" else MIN_POST_RATIO
        found.append(Gate(f"{row.name}: rps ratio to the bare app", f"{row.ratio:.2f}",
                          f">= {minimum}", row.ratio >= minimum and 200 <= row.status < 300))
        tail = _tail(row.mailtwin)
        found.append(Gate(f"{row.name}: p99 / p50 under load", f"{tail:.1f}", f"<= {MAX_TAIL}",
                          tail <= MAX_TAIL))
    if cold_ms is not None:
        found.append(Gate("cold start to first answer, all providers", f"{cold_ms:.0f} ms",
                          f"<= {MAX_COLD_START_MS:.0f} ms", cold_ms <= MAX_COLD_START_MS))
    for result in store:
        if result.mode != "freeze":
            continue
        found.append(Gate(f"resident memory after {result.created:,} mailings",
                          f"{result.rss_mb:.0f} MB", f"<= {MAX_RSS_MB:.0f} MB",
                          result.rss_mb <= MAX_RSS_MB))
        for name, (median, _) in result.list_ms.items():
            found.append(Gate(f"{name}: page of 50, median", f"{median:.2f} ms",
                              f"<= {MAX_LIST_MEDIAN_MS} ms", median <= MAX_LIST_MEDIAN_MS))
        for name, run in result.runs.items():
            found.append(Gate(f"{name} over the large store: p99 / p50", f"{_tail(run):.1f}",
                              f"<= {MAX_TAIL}", _tail(run) <= MAX_TAIL))
    return found


def render_store(store: list[StoreResult]) -> list[str]:
    """The large-store table: one row per GC mode."""
    if not store:
        return []
    lines = [
        "## Large store", "",
        f"Mailings created through `{CREATE.method} {CREATE.path}` (8 connections), then: "
        f"resident memory; `{LIST.path}` and `{LIST_RARE.path}` sequentially (median / p99); "
        f"load on `{ITEM.path}`, the drafted page and the create. GC mode `default` is "
        "CPython's collector as it comes, `freeze` is the server's policy "
        "(`src/mailtwin/gcpolicy.py`).", "",
        "| GC mode | mailings | load s | RSS MB | drafted page median / p99 | delivered page "
        "median / p99 | item GET rps, p50 / p99 | list GET rps, p50 / p99 | create rps, "
        "p50 / p99 |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in store:
        pages = [r.list_ms[t.name] for t in (LIST, LIST_RARE)]
        runs = [r.runs[t.name] for t in (ITEM, LIST, CREATE)]
        lines.append(
            f"| {r.mode} | {r.created:,} | {r.load_seconds:.0f} | {r.rss_mb:.0f} | "
            + " | ".join(f"{m:.2f} / {p:.2f} ms" for m, p in pages) + " | "
            + " | ".join(f"{x.rps:,.0f}, {x.p50_ms:.2f} / {x.p99_ms:.2f} ms ({_tail(x):.1f}x)"
                         for x in runs) + " |")
    return [*lines, ""]


def render_gates(found: list[Gate]) -> list[str]:
    """The targets table."""
    lines = ["## Targets", "", "| target | measured | limit | met |", "|---|--:|--:|:-:|"]
    lines += [f"| {g.what} | {g.value} | {g.limit} | {'yes' if g.met else '**no**'} |"
              for g in found]
    missed = sum(not g.met for g in found)
    lines += ["", f"{len(found) - missed} of {len(found)} targets met.", ""]
    return lines


def update_readme(readme: Path, report: str) -> None:
    """Put the report between the markers of bench/README.md (appended if they are missing)."""
    text = readme.read_text(encoding="utf-8")
    block = f"{START}\n{report.rstrip()}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")
