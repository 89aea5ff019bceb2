"""The installed version of mailtwin."""

from __future__ import annotations

from importlib import metadata

# Used when mailtwin runs from a source tree that was never installed; kept equal to
# pyproject.toml's version by a test.
__version__ = "0.1.0"


def version() -> str:
    """The version pip installed, else the source tree's."""
    try:
        return metadata.version("mailtwin")
    except metadata.PackageNotFoundError:
        return __version__
