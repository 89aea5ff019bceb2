"""Pigeon: a provider of the dashboard tests' own whose campaigns send messages when the clock
makes them go out (served with `--specs`, as docs/writing-a-provider.md shows)."""

from pathlib import Path

FOLDER = Path(__file__).parent
SPECS = FOLDER / "specs"
FIXTURES = FOLDER / "fixtures"
