"""Where specs and fixtures come from: the package's built-in data, then the user's folders.

A user's spec folder adds providers beside the built-in ones; a user spec with the name of a
built-in provider replaces it, fixtures included. A provider's fixtures are the `<provider>/`
folder of the last fixture root that has one: the user's roots in order, after the package's
for a built-in provider.
Nothing here depends on the working directory.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from mailtwin.config import Config, ConfigError
from mailtwin.spec import ProviderSpec, load_specs


def builtin_data() -> Path:
    """The package's own data folder (specs/ and fixtures/), as installed."""
    return Path(str(resources.files("mailtwin").joinpath("data")))


def spec_files_in(source: Path) -> list[Path]:
    """The spec files of a folder (or the single file given), sorted for a stable order."""
    if source.is_file():
        return [source]
    return sorted(p for p in source.glob("*.yaml") if p.is_file())


def user_spec_files(source: Path) -> list[Path]:
    """A user's spec folder or file; a missing one or a folder without specs is refused."""
    if not source.exists():
        raise ConfigError(f"spec folder {source} does not exist")
    files = spec_files_in(source)
    if not files:
        raise ConfigError(f"spec folder {source} holds no spec (*.yaml)")
    return files


def spec_sources(config: Config) -> tuple[list[Path], list[Path]]:
    """(built-in spec files, the user's spec files), each in a stable order."""
    builtin = spec_files_in(builtin_data() / "specs") if config.builtin else []
    user = [path for source in config.specs for path in user_spec_files(source)]
    return builtin, user


def fixture_folder(config: Config, spec: ProviderSpec) -> Path | None:
    """The folder holding a provider's fixture files, if any root has one; missing user
    folders are refused."""
    for root in config.fixtures:
        if not root.is_dir():
            raise ConfigError(f"fixture folder {root} does not exist")
    builtin = spec.source.parent == builtin_data() / "specs"
    roots = [*([builtin_data() / "fixtures"] if builtin else []), *config.fixtures]
    provider = spec.name
    for root in reversed(roots):
        if (root / provider).is_dir():
            return root / provider
    return None


def provider_specs(config: Config) -> list[ProviderSpec]:
    """The specs a Config serves; an unknown provider name or nothing to serve is refused."""
    if not config.builtin and not config.specs:
        raise ConfigError("nothing to serve: without the built-in providers, give --specs DIR")
    specs = load_specs(*spec_sources(config))
    if config.providers:
        known = [spec.name for spec in specs]
        unknown = [name for name in config.providers if name not in known]
        if unknown:
            raise ConfigError(f"no provider named {', '.join(map(repr, unknown))} "
                              f"(available: {', '.join(sorted(known))})")
        specs = [spec for spec in specs if spec.name in config.providers]
    return specs
