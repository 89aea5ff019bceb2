"""The server's garbage-collector policy: survivors are frozen after start-up and every
FREEZE_EVERY requests; the default mode leaves the collector alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mailtwin.gcpolicy import FREEZE_EVERY, GcPolicy


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_settle_freezes_what_survived_start_up() -> None:
    kept = [{"record": n} for n in range(100)]
    GcPolicy("freeze").settle()
    assert gc.get_freeze_count() >= len(kept)


def test_requests_freeze_again_every_freeze_every() -> None:
    policy = GcPolicy("freeze")
    for _ in range(FREEZE_EVERY - 1):
        policy.after_request()
    assert gc.get_freeze_count() == 0
    kept = [{"record": n} for n in range(100)]
    policy.after_request()
    assert gc.get_freeze_count() >= len(kept)


def test_default_mode_leaves_the_collector_alone() -> None:
    policy = GcPolicy("default")
    policy.settle()
    for _ in range(FREEZE_EVERY):
        policy.after_request()
    assert gc.get_freeze_count() == 0


def test_the_mode_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILTWIN_GC", "default")
    assert not GcPolicy.from_env().active
    monkeypatch.delenv("MAILTWIN_GC")
    assert GcPolicy.from_env().active


def test_an_unknown_mode_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="MAILTWIN_GC must be one of freeze, default"):
        GcPolicy("sometimes")
