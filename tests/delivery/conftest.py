"""The plugin's sandbox serving Especial only: fewer providers, a faster start."""

from __future__ import annotations

import pytest

from mailtwin import Config


@pytest.fixture(scope="session")
def mailtwin_config() -> Config:
    return Config.from_env(providers=("especial",))
