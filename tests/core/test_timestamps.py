"""Timestamp styles write what they read, for any year a client can send."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailtwin.conventions.timestamps import STYLES


@pytest.mark.parametrize("style, written", [
    ("iso8601", "0163-04-21T21:22:21.000Z"), ("at-d", "@D:0163-04-21T21:22:21"),
    ("unix", -57013814259)])
def test_early_years_keep_four_digits(style: str, written: object) -> None:
    moment = datetime(163, 4, 21, 21, 22, 21, tzinfo=UTC)
    assert STYLES[style].format(moment) == written
    assert STYLES[style].parse(written) == moment
