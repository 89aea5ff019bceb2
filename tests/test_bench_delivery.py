"""bench/delivery.py runs as `python bench/delivery.py`, briefly (in process only)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_small_delivery_bench_sends_and_fires_everything() -> None:
    done = subprocess.run(
        [sys.executable, "bench/delivery.py", "--contacts", "500", "--no-server"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout.rsplit("}", 1)[0] + "}")["in_process"]
    assert figures["contacts"] == 500 and figures["events_planned"] > 500
    assert figures["memory_bytes_per_10k_messages"] > 0
    assert "targets met" in done.stdout
