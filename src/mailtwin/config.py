"""One Config passed everywhere instead of loose parameter lists."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mailtwin import sharing


class ConfigError(ValueError):
    """A setting that cannot be used: a missing folder, an unknown provider, a bad value."""


def _paths(value: object) -> tuple[Path, ...]:
    """One path or several (a sequence, or text separated by os.pathsep) as a tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(Path(part) for part in value.split(os.pathsep) if part)
    if isinstance(value, os.PathLike):
        return (Path(value),)
    return tuple(Path(part) for part in value)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Config:
    """How a sandbox is built: which specs and fixtures, the seed, the limits.

    `specs` and `fixtures` are the user's folders (or spec files), served beside the built-in
    providers; `builtin=False` serves only those.
    """

    specs: tuple[Path, ...] = ()
    fixtures: tuple[Path, ...] = ()
    builtin: bool = True
    seed: int = 0
    providers: tuple[str, ...] = ()
    control: bool = True
    journal_limit: int = 10_000
    # Events kept on the event bus (the oldest are dropped first).
    event_limit: int = 1000
    max_body_bytes: int = 5 * 1024 * 1024
    # State imports carry whole stores, hence the larger limit of the control plane.
    control_max_body_bytes: int = 256 * 1024 * 1024
    state_file: Path | None = None
    # Sharing a server: who may use the control plane, and the bounds that keep it alive.
    control_token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    journal_max_bytes: int = 64 * 1024 * 1024
    journal_body_bytes: int = 64 * 1024
    max_tenants: int = 250
    tenant_idle_seconds: float = 60.0
    max_records: int = 200_000
    max_snapshots: int = 32
    max_snapshot_bytes: int = 128 * 1024 * 1024
    link_seconds: float = 3600.0
    max_links: int = 10_000
    # Messages one tenant's outbox keeps, in count and bytes (the oldest are dropped first).
    outbox_max_messages: int = 50_000
    outbox_max_bytes: int = 64 * 1024 * 1024
    # Webhooks: the hosts deliveries may reach (empty: any), the seconds an attempt waits for
    # an answer, the attempts logged and the deliveries waiting (count and bytes of each).
    webhook_hosts: tuple[str, ...] = ()
    webhook_timeout: float = 10.0
    webhook_log_limit: int = 10_000
    webhook_log_bytes: int = 16 * 1024 * 1024
    webhook_max_pending: int = 100_000
    webhook_pending_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        # A single path is accepted where a tuple of them is meant.
        object.__setattr__(self, "specs", _paths(self.specs))
        object.__setattr__(self, "fixtures", _paths(self.fixtures))
        object.__setattr__(self, "allowed_hosts", tuple(h.lower() for h in self.allowed_hosts))
        object.__setattr__(self, "webhook_hosts", tuple(h.lower() for h in self.webhook_hosts))
        found = sharing.problems(self)
        if found:
            raise ConfigError("; ".join(found))

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        """Defaults, then MAILTWIN_* environment variables, then explicit overrides."""
        env = os.environ
        values: dict[str, object] = {}
        if "MAILTWIN_SPECS" in env:
            values["specs"] = env["MAILTWIN_SPECS"]
        if "MAILTWIN_FIXTURES" in env:
            values["fixtures"] = env["MAILTWIN_FIXTURES"]
        if env.get("MAILTWIN_NO_BUILTIN", "").lower() in ("1", "true", "yes"):
            values["builtin"] = False
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
        try:
            values.update(sharing.from_env(env))
        except ValueError as error:
            raise ConfigError(str(error)) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
