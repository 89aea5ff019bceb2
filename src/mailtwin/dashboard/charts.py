"""Numbers laid out as bar charts for the server to draw as SVG: the journal's traffic and
the engagement of a mailing's messages over time."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mailtwin.journal import Entry

CLASSES = ("2xx", "3xx", "4xx", "5xx", "dropped")
WINDOW = 60
WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 14, 30


def status_class(status: int) -> str:
    return "dropped" if status == 0 else f"{min(max(status // 100, 2), 5)}xx"


@dataclass(frozen=True)
class Bar:
    """One rectangle of a chart, with its class and what it stands for."""

    x: float
    y: float
    width: float
    height: float
    kind: str
    title: str


@dataclass(frozen=True)
class Tick:
    value: int
    x: float
    y: float


@dataclass(frozen=True)
class BarChart:
    """A chart's rectangles, axis ticks and labels, and a sentence saying what it shows."""

    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_labels: list[tuple[float, str]]
    plot: tuple[float, float, float, float]
    description: str


def _nice(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at or above `value`."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(int(step * power) for step in (1, 2, 5, 10) if step * power >= value)


def _stacked_columns(columns: list[dict[str, int]], kinds: Iterable[str],
                     title: Callable[[int, str, int], str]
                     ) -> tuple[list[Bar], list[Tick], float]:
    """Columns of counts stacked by kind over the standard plot, with the value axis' ticks;
    `title(index, kind, n)` names each bar. Answers the bars, the ticks and a column's
    width."""
    kinds = tuple(kinds)
    top = _nice(max((sum(c.values()) for c in columns), default=0))
    x0, y0 = LEFT, TOP
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot_w = plot_w / max(len(columns), 1)
    bars = []
    for index, column in enumerate(columns):
        base: float = y0 + plot_h
        for kind in kinds:
            n = column[kind]
            if not n:
                continue
            h = plot_h * n / top
            base -= h
            bars.append(Bar(x0 + index * slot_w + 1, base, max(slot_w - 2, 1), h, kind,
                            title(index, kind, n)))
    marks = (0, top // 2, top) if top % 2 == 0 else (0, top)
    ticks = [Tick(v, x0, y0 + plot_h - plot_h * v / top) for v in marks]
    return bars, ticks, slot_w


def requests_per_second(entries: Iterable[Entry], now: float) -> BarChart:
    """Requests received in each of the last 60 seconds (wall clock), stacked by status."""
    counts = [dict.fromkeys(CLASSES, 0) for _ in range(WINDOW)]
    start = math.floor(now) - WINDOW + 1
    for entry in entries:
        slot = math.floor(entry.received) - start
        if 0 <= slot < WINDOW:
            counts[slot][status_class(entry.status)] += 1
    x0, y0 = LEFT, TOP
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bars, ticks, slot_w = _stacked_columns(
        counts, CLASSES, lambda index, kind, n: f"{n} {kind} {WINDOW - 1 - index} s ago")
    labels = [(x0 + i * slot_w + slot_w / 2, f"-{WINDOW - 1 - i} s" if i < WINDOW - 1
               else "now") for i in (0, 15, 30, 45, WINDOW - 1)]
    total = sum(sum(c.values()) for c in counts)
    description = (f"{total} requests in the last {WINDOW} seconds; the busiest second had "
                   f"{max(sum(c.values()) for c in counts)}.")
    return BarChart(WIDTH, HEIGHT, bars, ticks, labels, (x0, y0, plot_w, plot_h),
                    description)


def status_classes(entries: Iterable[Entry]) -> BarChart:
    """How many journaled requests ended in each status class, as horizontal bars."""
    totals = dict.fromkeys(CLASSES, 0)
    for entry in entries:
        totals[status_class(entry.status)] += 1
    top = _nice(max(totals.values()))
    height = TOP + 28 * len(CLASSES) + BOTTOM
    x0, plot_w = 72, WIDTH - 72 - RIGHT - 40
    bars = [Bar(x0, TOP + 28 * i + 4, plot_w * totals[kind] / top, 20, kind,
                f"{totals[kind]} {kind}") for i, kind in enumerate(CLASSES)]
    labels = [(x0 - 8.0, kind) for kind in CLASSES]
    description = ", ".join(f"{kind}: {totals[kind]}" for kind in CLASSES) + "."
    return BarChart(WIDTH, height, bars, [], labels, (x0, TOP, plot_w, 28 * len(CLASSES)),
                    description)


ENGAGEMENT = ("opened", "clicked", "bounced")


def _moment_label(timestamp: float, step: int) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%m-%d" if step >= 86400 else "%m-%d %H:%M")


def engagement(mailing: dict[str, Any]) -> BarChart:
    """Opens, clicks and bounces of one mailing per bucket of time (as the control plane's
    `engagement` answers them), stacked."""
    series = mailing["series"]
    count = max((len(series[k]) for k in series), default=1)
    step = int(mailing["bucket_seconds"])
    start = datetime.fromisoformat(mailing["start"].replace("Z", "+00:00")).timestamp()
    columns = [{kind: series.get(kind, [0] * count)[i] for kind in ENGAGEMENT}
               for i in range(count)]
    x0, y0 = LEFT, TOP
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bars, ticks, slot_w = _stacked_columns(
        columns, ENGAGEMENT,
        lambda index, kind, n: f"{n} {kind} from {_moment_label(start + index * step, step)}")
    # Three labels at most, none at the right edge where it would be cut.
    shown = sorted({0, count // 3, 2 * count // 3}) if count > 3 else range(count)
    labels = [(x0 + i * slot_w + slot_w / 2, _moment_label(start + i * step, step))
              for i in shown]
    totals = {kind: sum(c[kind] for c in columns) for kind in ENGAGEMENT}
    description = (f"{mailing['messages']} messages; " + ", ".join(
        f"{totals[kind]} {kind}" for kind in ENGAGEMENT)
        + f", in buckets of {_duration(step)} from {_moment_label(start, 60)} UTC.")
    return BarChart(WIDTH, HEIGHT, bars, ticks, labels, (x0, y0, plot_w, plot_h),
                    description)


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}" if n != 1 else f"one {unit}"
    return f"{seconds} s"
