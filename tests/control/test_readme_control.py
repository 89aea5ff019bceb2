"""Every control-plane endpoint has a README example (tests/test_readme.py runs them all with
the real curl), and the pytest examples shown in README are the ones tests/examples runs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_readme import README, examples, method_and_path

ROOT = Path(__file__).resolve().parents[2]


def test_every_control_endpoint_has_a_readme_example() -> None:
    from mailtwin.control.validation import operations

    shown = {method_and_path(example.line) for example in examples()
             if "/__mailtwin/" in example.line}
    for op in operations():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path))
        assert any(method == op.method and re.fullmatch(pattern, path)
                   for method, path in shown), f"{op.method} {op.path} has no README example"


def test_readme_pytest_examples_are_the_tested_ones() -> None:
    section = README.split("## Use it in pytest", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    tested = (ROOT / "tests" / "examples" / "test_use_in_pytest.py").read_text()
    assert len(blocks) == 4
    for block in blocks:
        assert block in tested
