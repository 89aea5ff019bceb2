"""The public API is what `mailtwin` and `mailtwin.hooks` export: a sorted `__all__` that
names exactly the public names each module holds (as httpx checks its own)."""

from __future__ import annotations

from types import ModuleType

import pytest

import mailtwin
import mailtwin.hooks

# Submodules a package exports by name (any other submodule is an attribute by accident of
# being imported somewhere, not part of the API).
EXPORTED_MODULES = {"mailtwin": {"hooks"}}


def public_names(module: ModuleType) -> list[str]:
    """Names a module holds that do not start with `_`, leaving out the `annotations` flag
    of `from __future__ import annotations` and submodules it does not export."""
    modules = EXPORTED_MODULES.get(module.__name__, set())
    return sorted(name for name, value in vars(module).items()
                  if not name.startswith("_") and name != "annotations"
                  and (not isinstance(value, ModuleType) or name in modules))


@pytest.mark.parametrize("module", [mailtwin, mailtwin.hooks], ids=lambda m: m.__name__)
def test_all_is_sorted_and_names_exactly_the_public_names(module: ModuleType) -> None:
    assert module.__all__ == sorted(module.__all__)
    assert module.__all__ == public_names(module)
