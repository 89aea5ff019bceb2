"""The command line: routes, and check reporting file, line and pointer with exit status 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailtwin.cli import main

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
