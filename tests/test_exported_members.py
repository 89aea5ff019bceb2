"""The public API is what mailtwin/__init__.py exports, in a sorted __all__."""

from __future__ import annotations

import mailtwin


def test_all_is_sorted_and_complete() -> None:
    assert mailtwin.__all__ == sorted(mailtwin.__all__)
    public = {name for name in dir(mailtwin) if not name.startswith("_")}
    assert set(mailtwin.__all__) <= public
