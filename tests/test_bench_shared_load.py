"""bench/shared_load.py runs as `python bench/shared_load.py`, briefly, within its bound."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_short_shared_load_stays_within_the_memory_bound() -> None:
    done = subprocess.run(
        [sys.executable, "bench/shared_load.py", "--duration", "3", "--clients", "8"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "within the bound" in done.stdout
    assert "big        401:" in done.stdout and "tenant     200:" in done.stdout
    assert "concurrent GET:" in done.stdout
