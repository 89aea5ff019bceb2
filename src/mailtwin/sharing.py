"""Settings of a server others share: the control token, the allowed Host names and the
bounds on memory, read alike from `serve` options and MAILTWIN_* variables."""

from __future__ import annotations

import argparse
import ipaddress
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("mailtwin")


def _whole(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise ValueError("must be a number of seconds, 0 or more")
    return value


def _token(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _hosts(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class Setting:
    """One setting: its Config field, `serve` option, variable and meaning."""

    field: str
    option: str
    env: str
    parse: Callable[[str], Any]
    help: str
    minimum: float = 0


SETTINGS = (
    Setting("control_token", "--control-token", "CONTROL_TOKEN", _token,
            "every control-plane request needs `Authorization: Bearer TOKEN` (prefer the "
            "variable: a command line is visible to other users of the machine)"),
    Setting("allowed_hosts", "--allowed-host", "ALLOWED_HOSTS", _hosts,
            "a Host name the control plane answers besides localhost and the server's "
            "address (repeatable; the variable separates names with commas)"),
    Setting("journal_max_bytes", "--journal-max-bytes", "JOURNAL_MAX_BYTES", _whole,
            "bytes of bodies and answers the journal keeps in all (oldest dropped first)", 1),
    Setting("journal_body_bytes", "--journal-body-bytes", "JOURNAL_BODY_BYTES", _whole,
            "bytes of one body or answer the journal keeps (the rest is cut off and the entry "
            "marked truncated)"),
    Setting("max_tenants", "--max-tenants", "MAX_TENANTS", _whole,
            "live tenants per provider; a new one evicts the least recently used idle one", 1),
    Setting("tenant_idle_seconds", "--tenant-idle-seconds", "TENANT_IDLE_SECONDS", _seconds,
            "seconds without a request after which a tenant may be evicted"),
    Setting("max_records", "--max-records", "MAX_RECORDS", _whole,
            "records per collection of one tenant; a create past it is refused", 1),
    Setting("max_snapshots", "--max-snapshots", "MAX_SNAPSHOTS", _whole,
            "named snapshots kept at once"),
    Setting("max_snapshot_bytes", "--max-snapshot-bytes", "MAX_SNAPSHOT_BYTES", _whole,
            "bytes all named snapshots may take together"),
    Setting("link_seconds", "--link-seconds", "LINK_SECONDS", _seconds,
            "seconds of sandbox time a download link stays valid", 1),
    Setting("max_links", "--max-links", "MAX_LINKS", _whole,
            "download links a provider keeps at once (the oldest stop working first)", 1),
    Setting("outbox_max_messages", "--outbox-max-messages", "OUTBOX_MAX_MESSAGES", _whole,
            "messages one tenant's outbox keeps (the oldest are dropped first)", 1),
    Setting("outbox_max_bytes", "--outbox-max-bytes", "OUTBOX_MAX_BYTES", _whole,
            "bytes one tenant's outbox keeps, messages and their events (the oldest are "
            "dropped first)", 1),
    Setting("webhook_hosts", "--webhook-hosts", "WEBHOOK_HOSTS", _hosts,
            "the hosts webhook deliveries may reach, separated by commas (default: any); "
            "a delivery to another host is logged as refused"),
    Setting("webhook_timeout", "--webhook-timeout", "WEBHOOK_TIMEOUT", _seconds,
            "seconds a webhook delivery waits for an answer before it counts as failed",
            0.001),
)


def from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """Config values from MAILTWIN_* variables; ValueError names a bad one."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        text = env.get(f"MAILTWIN_{setting.env}")
        if text is None or (setting.field == "control_token" and not text):
            continue
        try:
            values[setting.field] = setting.parse(text)
        except ValueError as error:
            raise ValueError(f"MAILTWIN_{setting.env}={text!r}: {error}") from None
    return values


def problems(config: Any) -> list[str]:
    """What is wrong with the sharing settings of a Config."""
    found = []
    for setting in SETTINGS:
        value = getattr(config, setting.field)
        if isinstance(value, int | float) and value < setting.minimum:
            found.append(f"{setting.field} must be at least {setting.minimum:g}")
    if config.control_token is not None and not config.control_token.strip():
        found.append("the control token must not be empty")
    return found


def add_options(parser: argparse.ArgumentParser) -> None:
    """The `serve` options of every setting (None leaves the variable's or default value)."""
    for setting in SETTINGS:
        extra: dict[str, Any] = {"action": "append"} if setting.field == "allowed_hosts" else {
            "type": setting.parse}
        parser.add_argument(setting.option, dest=setting.field, default=None,
                            help=f"{setting.help} (MAILTWIN_{setting.env})", **extra)


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Config overrides from the options given on the command line."""
    values = {s.field: getattr(args, s.field, None) for s in SETTINGS}
    if values["allowed_hosts"] is not None:
        values["allowed_hosts"] = tuple(name for text in values["allowed_hosts"]
                                        for name in _hosts(text))
    return values


def is_loopback(host: str) -> bool:
    """True for an address only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def warn_if_exposed(config: Any, host: str, port: int) -> bool:
    """Log a warning when the control plane listens beyond loopback without a token."""
    if not config.control or config.control_token or is_loopback(host):
        return False
    log.warning("the control plane /__mailtwin/ on %s:%s is reachable from other hosts "
                "without a control token: anyone who reaches it can read, change and reset "
                "every tenant; set MAILTWIN_CONTROL_TOKEN (or --control-token), or serve with "
                "--no-control", host, port)
    return True
