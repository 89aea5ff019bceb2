"""Timestamp styles by name: how a provider writes a moment, and how to read it back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class TimestampStyle:
    """A pair of functions: format a UTC datetime, parse a stored value (None if not a time)."""

    format: Callable[[datetime], Any]
    parse: Callable[[Any], datetime | None]


def parse_iso(value: Any) -> datetime | None:
    """ISO 8601 with `Z` or an offset; naive values are taken as UTC."""
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _seconds(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS` in UTC, with four-digit years (strftime drops the zeros of
    years before 1000)."""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"


def iso_z(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` in UTC."""
    return _seconds(moment) + "Z"


def _format_iso(moment: datetime) -> str:
    return _seconds(moment) + ".000Z"


def _format_at_d(moment: datetime) -> str:
    return "@D:" + _seconds(moment)


def _parse_at_d(value: Any) -> datetime | None:
    if isinstance(value, str) and value.startswith("@D:"):
        return parse_iso(value[3:])
    return parse_iso(value)


def _format_unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _parse_unix(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return parse_iso(value)


STYLES: dict[str, TimestampStyle] = {
    "at-d": TimestampStyle(_format_at_d, _parse_at_d),
    "iso8601": TimestampStyle(_format_iso, parse_iso),
    "unix": TimestampStyle(_format_unix, _parse_unix),
}
