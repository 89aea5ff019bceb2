"""docs/architecture.md names every module of the package (a provider package counts once)."""

from __future__ import annotations

from pathlib import Path

import mailtwin

PACKAGE = Path(mailtwin.__file__).parent
DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def test_every_module_is_named_in_the_architecture() -> None:
    doc = DOC.read_text(encoding="utf-8")
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if parts[0] == "providers" and len(parts) > 1:
            continue  # providers/<name>/ is one row
        package = path.name == "__init__.py" and len(parts) > 1
        name = f"{parts[-2]}/" if package else path.name
        if name != "__init__.py" and f"`{name}`" not in doc and f"{name}`" not in doc:
            missing.append("/".join(parts))
    assert missing == []
