"""The committed spec is what the converter makes of the published document and overlays."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_spec_equals_a_fresh_generation() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "especial_spec.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "up to date" in done.stderr
