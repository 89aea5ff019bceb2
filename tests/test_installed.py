"""The package as users get it: built, installed into a fresh venv in another folder, and used
there with the CLI and with a test copied from the README."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PROVIDERS = {"emailicious", "emma", "especial", "outreach"}
HEADER = ("from __future__ import annotations\n\nimport httpx\nimport pytest\n\n"
          "from mailtwin import Sandbox\n")


def _run(*argv: str | Path, cwd: Path, timeout: float = 300) -> str:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{argv}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist and a wheel built from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, ROOT, cwd=out)
    return out


@pytest.fixture(scope="module")
def project(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another project, with its own venv holding the built wheel, pytest and pytest-xdist."""
    folder = tmp_path_factory.mktemp("project")
    _run(sys.executable, "-m", "venv", ".venv", cwd=folder)
    wheel = next(dist.glob("*.whl"))
    _run(folder / ".venv" / "bin" / "python", "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", wheel, "pytest", "pytest-xdist", cwd=folder)
    return folder


def test_the_wheel_and_the_sdist_carry_the_specs_and_fixtures(dist: Path) -> None:
    wheel = zipfile.ZipFile(next(dist.glob("*.whl"))).namelist()
    assert {Path(n).stem for n in wheel if n.startswith("mailtwin/data/specs/")} == PROVIDERS
    assert any(n.startswith("mailtwin/data/fixtures/emma/") for n in wheel)
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        names = sdist.getnames()
    assert sum("/src/mailtwin/data/specs/" in n for n in names) == len(PROVIDERS)


def test_the_installed_cli_serves_every_provider_from_another_folder(project: Path) -> None:
    routes = _run(project / ".venv" / "bin" / "mailtwin", "routes", cwd=project)
    assert {line.split()[-1] for line in routes.splitlines()} == PROVIDERS
    assert _run(project / ".venv" / "bin" / "mailtwin", "check", cwd=project).strip() == "ok"


def test_the_readme_pytest_examples_pass_in_another_project(project: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Use it in pytest", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 4
    (project / "test_from_readme.py").write_text(HEADER + "\n\n" + "\n\n".join(blocks))
    python = project / ".venv" / "bin" / "python"
    assert "4 passed" in _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert "4 passed" in _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                              cwd=project)
