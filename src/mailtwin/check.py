"""`mailtwin check`: load every spec and fixture the way the server would, and report each
problem with its file, line and JSON pointer instead of a traceback, including failures the
loader cannot foresee (a schema that breaks, a hook module that does not import)."""

from __future__ import annotations

from pathlib import Path

from mailtwin.config import Config, ConfigError
from mailtwin.hookset import load_hooks
from mailtwin.operation import Operation, compile_operation
from mailtwin.provider import Provider
from mailtwin.sources import spec_sources
from mailtwin.spec import load_provider
from mailtwin.validation import Schemas
from mailtwin.yamlsource import SourceError, line_of, pointer_of


def describe(error: BaseException) -> str:
    """`TypeError: message`, the way a problem line ends."""
    return f"{type(error).__name__}: {error}"


def probe(op: Operation) -> None:
    """Run every validator of an operation once, so a broken schema fails now, not later."""
    op.path_params.validator.problems({}, ("path",))
    op.query_params.validator.problems({}, ("query",))
    samples: tuple[object, ...] = (None, {})
    for sample in samples:
        op.body.validator.problems(sample, ("body",))


def probe_all(operations: list[Operation]) -> list[str]:
    """Problems of operations whose schemas cannot be used, one line each."""
    problems = []
    for op in operations:
        try:
            probe(op)
        except Exception as error:  # a broken schema may fail in any way
            source = op.provider.spec.source
            problems.append(str(SourceError(source, line_of(source, op.spec.pointer),
                                            pointer_of(op.spec.pointer), describe(error))))
    return problems


def locate(config: Config, error: Exception) -> str:
    """The spec file, line and pointer behind a failure to build the runtime."""
    builtin, user = spec_sources(config)
    files = [*builtin, *user]
    for path in files:
        found = _locate_in(path)
        if found is not None:
            return found
    first = files[0] if files else Path(".")
    return str(SourceError(first, 1, "", describe(error)))


def _locate_in(path: Path) -> str | None:
    """The first problem building one spec's provider and operations, if there is one."""
    try:
        spec = load_provider(path)
        provider = Provider(spec)
        hooks = load_hooks(spec).operations
    except SourceError as error:
        return str(error)
    except Exception as error:  # any failure of a broken spec is reported, never raised
        return str(SourceError(path, line_of(path, ("x-mailtwin",)), "/x-mailtwin",
                               describe(error)))
    try:
        schemas = Schemas(provider.name, spec.document)
    except Exception as error:  # a document the schema registry cannot hold
        return str(SourceError(path, 1, "", describe(error)))
    for op_spec in spec.operations:
        try:
            probe(compile_operation(provider, op_spec, schemas, hooks))
        except SourceError as error:
            return str(error)
        except Exception as error:  # any failure of a broken operation is reported
            return str(SourceError(path, line_of(path, op_spec.pointer),
                                   pointer_of(op_spec.pointer), describe(error)))
    return None


def check(config: Config) -> list[str]:
    """Problems found, one line each (empty when everything loads)."""
    from mailtwin.fixtures import fixture_files, load_fixture
    from mailtwin.runtime import Runtime

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
