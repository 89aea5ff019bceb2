"""`mailtwin check`: load every spec and fixture the way the server would, and report
each problem with its file, line and JSON pointer instead of a traceback."""

from __future__ import annotations

from mailtwin.config import Config, ConfigError
from mailtwin.yamlsource import SourceError


def check(config: Config) -> list[str]:
    """Problems found, one line each (empty when everything loads)."""
    from mailtwin.fixtures import fixture_files, load_fixture
    from mailtwin.runtime import Runtime
    from mailtwin.speccheck import describe, locate, probe_all

    try:
        runtime = Runtime(config)
    except (SourceError, ConfigError) as error:
        return [str(error)]
    except Exception as error:  # a broken spec may fail in any way: find where, never raise
        return [locate(config, error)]
    problems: list[str] = probe_all(runtime.operations)
    if problems:
        return problems
    for name, provider in runtime.providers.items():
        folder = runtime.fixture_folders[name]
        for path in fixture_files(folder):
            try:
                load_fixture(path, provider)
            except SourceError as error:
                problems.append(str(error))
        if problems:
            continue
        try:
            runtime.store.pristine(name)
        except SourceError as error:
            problems.append(str(error))
        except Exception as error:  # a broken fixture may fail in any way: report, never raise
            files = fixture_files(folder) or [folder or provider.spec.source]
            problems.append(str(SourceError(files[0], 1, "",
                                            f"cannot build fixtures: {describe(error)}")))
    return problems
