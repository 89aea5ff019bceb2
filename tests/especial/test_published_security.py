"""Every served operation that the published document describes asks for a token exactly
when the document's `security` does, so a client generated from the document works."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from mailtwin import MailtwinApp

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT.parent / "shared" / "reference" / "especial" / "upstream-openapi.json"
METHODS = ("get", "put", "post", "patch", "delete")

# Deliberate differences from the document:
# - POST /token is the login itself: the document marks it with the bearer scheme (the token
#   URL of its own password flow), but a client has no token before it logs in.
OPEN_THOUGH_SECURED = {("POST", "/token")}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def published() -> dict[tuple[str, str], bool]:
    """(method, path shape) -> whether the document asks for a token."""
    if not UPSTREAM.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the published Especial document is missing: {UPSTREAM}")
        pytest.skip(f"the published Especial document is not beside this clone ({UPSTREAM})")
    document = json.loads(UPSTREAM.read_text())
    return {(method.upper(), _shape(path)): bool(op.get("security"))
            for path, item in document["paths"].items()
            for method, op in item.items() if method in METHODS}


def test_served_operations_ask_for_a_token_as_the_document_says(app: MailtwinApp) -> None:
    wanted = published()
    served = {(op.spec.method.upper(), _shape(op.spec.path)): op.needs_auth
              for op in app.runtime.operations if op.provider.name == "especial"}
    documented = {key: auth for key, auth in served.items() if key in wanted}
    assert len(documented) == len(wanted)
    expected = {key: secured and key not in OPEN_THOUGH_SECURED
                for key, secured in wanted.items()}
    assert {k: v for k, v in documented.items() if v != expected[k]} == {}
    assert sorted(k for k, secured in wanted.items() if not secured) == sorted([
        ("GET", "/campaign-blueprints/{}/render"),
        ("POST", "/brands/default/senders/confirm-email"),
        ("PUT", "/token"), ("POST", "/token/challenge"),
        ("POST", "/users/forgot-my-password"), ("POST", "/users/reset-password-confirm"),
        ("POST", "/users/{}/confirm"), ("POST", "/accounts/{}/confirm"),
        ("POST", "/accounts/resend-verification-email"),
        ("GET", "/workflow-blueprints"), ("GET", "/workflow-blueprints/{}"),
        ("GET", "/workflow-blueprints/{}/actions"),
        ("GET", "/workflow-blueprints/{}/actions/{}")])
