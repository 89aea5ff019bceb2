"""`mailtwin check` on broken spec and fixture files: exit 2 naming file and line, or ok."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailtwin.cli import main
from mailtwin.sources import builtin_data

pytestmark = pytest.mark.slow

DATA = builtin_data()
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
PROVIDERS = sorted(path.stem for path in (DATA / "specs").glob("*.yaml"))
SOURCES = [Path("specs") / f"{name}.yaml" for name in PROVIDERS] + sorted(
    path.relative_to(DATA) for name in PROVIDERS
    for path in (DATA / "fixtures" / name).glob("*.yaml"))
TEXTS = {source: (DATA / source).read_text(encoding="utf-8") for source in SOURCES}
DOCUMENTS = {source: yaml.safe_load(text) for source, text in TEXTS.items()}
REPLACEMENTS = st.sampled_from([None, 0, -1, 10**30, 1.5, "", "x", "$now", "{id}", [], {}, True,
                                [None], {"unknown-key": 1}, {"$ref": "#/nowhere"},
                                {"faker": "no_such_method"}, {"pick": "nothing"},
                                {"time": ["not a date", 3]}, {"sequence": "a"},
                                {"sample": {"resource": "nothing", "k": [3, 1]}},
                                {"template": "{missing}"}, {"choice": []}])
GARBAGE = st.sampled_from(["", ":", "- - -", "{", "]", "key: [unclosed", "\t\tx: 1",
                           "  bad indent: 2", "&anchor", "*nowhere", "!!python/object:os.system",
                           "x-mailtwin: {nonsense: true}", "\x00", "'unterminated"])
PROBLEM = re.compile(r"^(?P<file>[^:\n]+\.yaml):(?P<line>\d+): ", re.M)


def _provider_of(source: Path) -> str:
    return source.stem if source.parts[0] == "specs" else source.parts[1]


# Providers are drawn first, so a provider with many files is not fuzzed more than the others.
FILES = st.sampled_from(PROVIDERS).flatmap(
    lambda name: st.sampled_from([s for s in SOURCES if _provider_of(s) == name]))


@contextlib.contextmanager
def _tree(provider: str) -> Iterator[Path]:
    """A copy of one provider's spec and fixtures in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="mailtwin-check-") as folder:
        root = Path(folder)
        for source, text in TEXTS.items():
            if _provider_of(source) != provider:
                continue
            (root / source).parent.mkdir(parents=True, exist_ok=True)
            (root / source).write_text(text, encoding="utf-8")
        yield root


def _check(root: Path) -> tuple[int, str]:
    """Run `mailtwin check` in this process; any exception escaping fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["check", str(root / "specs"), "--fixtures", str(root / "fixtures")])
    return status, out.getvalue() + err.getvalue()


def _assert_reported(root: Path, status: int, report: str) -> None:
    assert status in (0, 2), report
    assert "Traceback" not in report, report
    if status == 0:
        assert report.strip() == "ok", report
        return
    found = PROBLEM.search(report)
    assert found is not None, f"no file:line in {report!r}"
    assert Path(found["file"]).is_relative_to(root), report
    assert int(found["line"]) >= 1, report


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a parsed YAML document."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


PLACES = {source: list(_paths(document))[1:] for source, document in DOCUMENTS.items()}


def _replace(node: Any, place: tuple[Any, ...], value: Any, delete: bool) -> Any:
    """A copy of `node` with the value at `place` replaced (or deleted)."""
    if not place:
        return value
    head, *rest = place
    if isinstance(node, dict):
        copy = dict(node)
        if delete and not rest:
            copy.pop(head, None)
        else:
            copy[head] = _replace(node[head], tuple(rest), value, delete)
        return copy
    items = list(node)
    if delete and not rest:
        items.pop(head)
    else:
        items[head] = _replace(node[head], tuple(rest), value, delete)
    return items


@SETTINGS
@given(data=st.data())
def test_a_changed_value_is_reported_with_file_and_line(data: st.DataObject) -> None:
    source = data.draw(FILES, label="file")
    place = data.draw(st.sampled_from(PLACES[source]), label="place")
    value = data.draw(REPLACEMENTS, label="value")
    delete = data.draw(st.booleans(), label="delete")
    changed = _replace(DOCUMENTS[source], place, value, delete)
    with _tree(_provider_of(source)) as root:
        (root / source).write_text(yaml.safe_dump(changed, sort_keys=False), encoding="utf-8")
        status, report = _check(root)
        _assert_reported(root, status, report)


@SETTINGS
@given(data=st.data())
def test_broken_yaml_text_is_reported_with_file_and_line(data: st.DataObject) -> None:
    source = data.draw(FILES, label="file")
    lines = TEXTS[source].split("\n")
    index = data.draw(st.integers(0, len(lines) - 1), label="line")
    how = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate", "dedent"]),
                    label="how")
    garbage = data.draw(GARBAGE | st.text(max_size=20), label="text")
    if how == "replace":
        lines[index] = garbage
    elif how == "insert":
        lines.insert(index, garbage)
    elif how == "delete":
        del lines[index]
    elif how == "truncate":
        lines = [*lines[:index], lines[index][: len(lines[index]) // 2]]
    else:
        lines[index] = lines[index].lstrip()
    with _tree(_provider_of(source)) as root:
        (root / source).write_text("\n".join(lines), encoding="utf-8")
        status, report = _check(root)
        _assert_reported(root, status, report)


@SETTINGS
@given(data=st.data())
def test_undecodable_bytes_are_reported_with_the_file(data: st.DataObject) -> None:
    source = data.draw(FILES, label="file")
    raw = TEXTS[source].encode("utf-8")
    at = data.draw(st.integers(0, len(raw)), label="offset")
    junk = data.draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x00"]),
                     label="bytes")
    with _tree(_provider_of(source)) as root:
        (root / source).write_bytes(raw[:at] + junk + raw[at:])
        status, report = _check(root)
        _assert_reported(root, status, report)


def test_every_spec_and_fixture_file_is_a_source() -> None:
    assert Path("specs/emma.yaml") in SOURCES
    assert any(str(source).startswith("fixtures/emma/") for source in SOURCES)


def test_a_pristine_copy_checks_ok() -> None:
    for provider in PROVIDERS:
        with _tree(provider) as root:
            assert _check(root) == (0, "ok\n"), provider


