"""A small on-disk cache of parsed specs and built fixtures, keyed by what they are made of.

Parsing a large YAML spec and running seeded Faker recipes take most of a cold start; their
results depend only on the input files, the seed and the code, so a second start reads them
back. Set MAILTWIN_CACHE_DIR to move the cache, or MAILTWIN_NO_CACHE=1 to turn it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_CODE = ("fixtures.py", "store.py", "spec.py", "yamlsource.py")


def _folder() -> Path | None:
    if os.environ.get("MAILTWIN_NO_CACHE", "").lower() in ("1", "true", "yes"):
        return None
    configured = os.environ.get("MAILTWIN_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mailtwin"


def _code_digest() -> bytes:
    """What the cached values were made with: the code that makes them, and Faker's version."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _CODE:
        digest.update((here / name).read_bytes())
    try:
        digest.update(metadata.version("faker").encode())
    except metadata.PackageNotFoundError:
        digest.update(b"no-faker")
    return digest.digest()


def key_of(kind: str, parts: Iterable[bytes]) -> str:
    """A cache key from a kind and the bytes the value is made of."""
    digest = hashlib.sha256(kind.encode() + _code_digest())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return f"{kind}-{digest.hexdigest()[:40]}"


def cached(key: str, build: Callable[[], T]) -> T:
    """The value stored under `key`, else `build()` stored there (best effort: a cache that
    cannot be read or written is simply not used)."""
    folder = _folder()
    if folder is None:
        return build()
    path = folder / f"{key}.pickle"
    try:
        with path.open("rb") as stored:
            found: Any = pickle.load(stored)  # our own files, keyed by content
        return found  # type: ignore[no-any-return]
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False) as fresh:
            pickle.dump(value, fresh, pickle.HIGHEST_PROTOCOL)
        os.replace(fresh.name, path)
    except (OSError, pickle.PicklingError):
        pass
    return value
