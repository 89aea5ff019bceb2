"""Option values read from text (the command line or MAILTWIN_* variables), or one line
saying what was expected."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from typing import TypeVar

from mailtwin.config import ConfigError

T = TypeVar("T")
Parse = Callable[[str], T]

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")


class EnvironmentValueError(ConfigError):
    """A MAILTWIN_* variable whose value is not what it should be."""


def _integer(text: str, low: int | None, high: int | None, expected: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"expected {expected}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"expected {expected}")
    return value


def integer(text: str) -> int:
    """Any whole number."""
    return _integer(text, None, None, "an integer")


def port(text: str) -> int:
    """A TCP port; 0 takes any free one."""
    return _integer(text, 0, 65535, "a port number from 0 to 65535")


def journal_limit(text: str) -> int:
    """How many entries the journal keeps (the control plane's limits)."""
    return _integer(text, 1, 10_000_000, "an integer from 1 to 10000000")


def seconds(text: str) -> float:
    """A period in seconds, 0 or more."""
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ValueError("expected a number of seconds, 0 or more")
    return value


def log_level(text: str) -> str:
    """One of uvicorn's log levels, in lower case."""
    level = text.strip().lower()
    if level not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
    return level


SERVERS = ("uvicorn", "granian")


def server(text: str) -> str:
    """The HTTP server `mailtwin serve` runs the app on."""
    name = text.strip().lower()
    if name not in SERVERS:
        raise ValueError(f"expected one of {', '.join(SERVERS)}")
    return name


def flag(text: str) -> bool:
    """Yes or no, as environment variables spell it."""
    word = text.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise ValueError(f"expected one of {', '.join(TRUE)} (or {', '.join(FALSE[:-1])})")


def from_env(name: str, parse: Parse[T], default: T) -> T:
    """MAILTWIN_<name> parsed, or the default when it is not set."""
    variable = f"MAILTWIN_{name}"
    text = os.environ.get(variable)
    if text is None:
        return default
    try:
        return parse(text)
    except ValueError as exc:
        raise EnvironmentValueError(f"{variable}={text!r}: {exc}") from None


def argument(parse: Parse[T]) -> Parse[T]:
    """The same parser as an argparse `type`, so a bad option value gets the same words."""

    def parse_argument(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None

    parse_argument.__name__ = parse.__name__
    return parse_argument
