"""The pytest plugin: registers the `mailtwin` marker (fixtures arrive with the sandbox API)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mailtwin(seed=None, providers=None, snapshot=None, clock=None): configure the "
        "mailtwin sandbox of this test")
