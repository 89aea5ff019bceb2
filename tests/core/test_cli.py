"""The command line: routes, and check reporting file, line and pointer with exit status 2."""

from __future__ import annotations

import argparse
import shutil
import tomllib
from pathlib import Path

import pytest

from mailtwin.cli import build_parser, main
from mailtwin.version import __version__, version

from .conftest import DATA


def copy_tiny(tmp_path: Path) -> tuple[Path, Path]:
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(DATA / "tiny.yaml", specs / "tiny.yaml")
    shutil.copytree(DATA / "fixtures", tmp_path / "fixtures")
    return specs / "tiny.yaml", tmp_path / "fixtures"


def test_routes_lists_every_operation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "--no-builtin", "--specs", str(DATA / "tiny.yaml")]) == 0
    out = capsys.readouterr().out
    assert "POST    /tiny/notes/{id}/publish" in out
    assert len(out.strip().splitlines()) == 7


def test_check_passes_on_a_good_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(DATA / "tiny.yaml"), "--fixtures", str(DATA / "fixtures")]) == 0
    assert capsys.readouterr().out.strip() == "ok"


@pytest.mark.parametrize("old, new, line, pointer, words", [
    ("    errors: fastapi", "    errors: soap", 8, "/x-mailtwin/conventions/errors", "soap"),
    ("      unique: [title]", "      unique: [title]\n      colour: red", 14,
     "/x-mailtwin/resources/note", "colour"),
    ("      x-mailtwin: {resource: note}\n      responses: {\"200\": {description: one note}}",
     "      x-mailtwin: {resource: nothing}\n      responses: {\"200\": {description: x}}",
     67, "/paths/~1notes~1{id}/get/x-mailtwin/resource", "nothing"),
    ("openapi: 3.1.0", "openapi: 3.0.3", 1, "/openapi", "3.1"),
    ("  mount: /tiny", "  mount: [/tiny", 6, "/", "invalid YAML"),
])
def test_check_names_file_line_and_pointer(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           old: str, new: str, line: int, pointer: str,
                                           words: str) -> None:
    spec, fixtures = copy_tiny(tmp_path)
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new, 1))
    assert main(["check", str(spec), "--fixtures", str(fixtures)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:" in err
    assert f":{line}:" in err
    assert pointer in err
    assert words in err


def test_check_reports_broken_fixtures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec, fixtures = copy_tiny(tmp_path)
    notes = fixtures / "tiny" / "notes.yaml"
    notes.write_text(notes.read_text().replace("resource: note", "resource: notes"))
    assert main(["check", str(spec), "--fixtures", str(fixtures)]) == 2
    err = capsys.readouterr().err
    assert f"{notes}:1: /resource: unknown resource 'notes'" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"mailtwin {version()}\n"


def test_the_fallback_version_is_pyproject_s() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert __version__ == pyproject["project"]["version"]


def test_every_option_has_help() -> None:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = [f"{name} {'/'.join(action.option_strings) or action.dest}"
               for name, sub in [("mailtwin", parser), *commands.choices.items()]
               for action in sub._actions
               if not isinstance(action, argparse._SubParsersAction)
               and (not action.help or action.help == argparse.SUPPRESS)]
    assert missing == []


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("PORT", "abc", "a port number from 0 to 65535"),
    ("PORT", "70000", "a port number from 0 to 65535"),
    ("SEED", "x", "an integer"),
    ("JOURNAL_LIMIT", "-", "an integer from 1 to 10000000"),
    ("SAVE_EVERY", "..", "a number of seconds, 0 or more"),
    ("SAVE_EVERY", "nan", "a number of seconds, 0 or more"),
    ("LOG_LEVEL", "loud", "one of critical, error, warning, info, debug, trace"),
    ("QUIET", "maybe", "one of 1, true, yes, on (or 0, false, no, off)"),
])
def test_a_bad_environment_value_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str], variable: str,
                                             value: str, expected: str) -> None:
    monkeypatch.setenv(f"MAILTWIN_{variable}", value)
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == (
        f"mailtwin: MAILTWIN_{variable}={value!r}: expected {expected}\n")


def test_a_bad_seed_in_the_environment_stops_every_command(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MAILTWIN_SEED", "x")
    assert main(["routes", "--specs", str(DATA / "tiny.yaml")]) == 2
    assert capsys.readouterr().err == "mailtwin: MAILTWIN_SEED='x': expected an integer\n"


def test_a_bad_gc_mode_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MAILTWIN_GC", "sometimes")
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == (
        "mailtwin: MAILTWIN_GC must be one of freeze, default, not 'sometimes'\n")


@pytest.mark.parametrize(("option", "value", "expected"), [
    ("--port", "abc", "a port number from 0 to 65535"),
    ("--save-every", "-1", "a number of seconds, 0 or more"),
    ("--log-level", "loud", "one of critical, error, warning, info, debug, trace"),
])
def test_a_bad_option_value_is_refused_by_argparse(capsys: pytest.CaptureFixture[str],
                                                   option: str, value: str,
                                                   expected: str) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["serve", option, value])
    assert stop.value.code == 2
    assert f"argument {option}: {value!r}: expected {expected}" in capsys.readouterr().err


def test_serve_refuses_a_state_folder_that_does_not_exist(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "missing" / "state.json"
    assert main(["serve", "--state", str(state)]) == 2
    assert capsys.readouterr().err == (
        f"mailtwin: cannot keep the state in {state}: the folder {state.parent} does not "
        "exist\n")
