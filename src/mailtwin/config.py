"""One Config passed everywhere instead of loose parameter lists."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_root() -> Path:
    """The folder holding specs/ and fixtures/: the working directory, else the source tree."""
    here = Path.cwd()
    if (here / "specs").is_dir():
        return here
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Config:
    """How a sandbox is built: where specs and fixtures live, the seed, the limits."""

    specs: Path = field(default_factory=lambda: _default_root() / "specs")
    fixtures: Path = field(default_factory=lambda: _default_root() / "fixtures")
    seed: int = 0
    providers: tuple[str, ...] = ()
    control: bool = True
    journal_limit: int = 10_000
    max_body_bytes: int = 5 * 1024 * 1024
    # State imports carry whole stores, hence the larger limit of the control plane.
    control_max_body_bytes: int = 256 * 1024 * 1024
    state_file: Path | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        """Defaults, then MAILTWIN_* environment variables, then explicit overrides."""
        env = os.environ
        values: dict[str, object] = {}
        if "MAILTWIN_SPECS" in env:
            values["specs"] = Path(env["MAILTWIN_SPECS"])
        if "MAILTWIN_FIXTURES" in env:
            values["fixtures"] = Path(env["MAILTWIN_FIXTURES"])
        if "MAILTWIN_SEED" in env:
            values["seed"] = int(env["MAILTWIN_SEED"])
        if "MAILTWIN_PROVIDERS" in env:
            values["providers"] = tuple(p for p in env["MAILTWIN_PROVIDERS"].split(",") if p)
        if env.get("MAILTWIN_NO_CONTROL", "").lower() in ("1", "true", "yes"):
            values["control"] = False
        if "MAILTWIN_JOURNAL_LIMIT" in env:
            values["journal_limit"] = int(env["MAILTWIN_JOURNAL_LIMIT"])
        if "MAILTWIN_STATE" in env:
            values["state_file"] = Path(env["MAILTWIN_STATE"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
