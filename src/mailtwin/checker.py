"""`mailtwin check`: load every spec and fixture the way the server would, and report
each problem with its file, line and JSON pointer instead of a traceback."""

from __future__ import annotations

from mailtwin.config import Config
from mailtwin.yamlsource import SourceError


def check(config: Config) -> list[str]:
    """Problems found, one line each (empty when everything loads)."""
    from mailtwin.fixtures import fixture_files, load_fixture
    from mailtwin.runtime import Runtime

    try:
        runtime = Runtime(config)
    except SourceError as error:
        return [str(error)]
    except (ValueError, TypeError, KeyError, ImportError) as error:
        return [f"{config.specs}: {type(error).__name__}: {error}"]
    problems: list[str] = []
    for name, provider in runtime.providers.items():
        for path in fixture_files(config.fixtures, name):
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
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
            problems.append(f"{config.fixtures / name}: cannot build fixtures: "
                            f"{type(error).__name__}: {error}")
    return problems
