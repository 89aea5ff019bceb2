"""Effective OpenAPI documents: served paths under the mount, valid OpenAPI 3.1, extensions
stripped unless kept; written by `mailtwin openapi` and served by the control plane."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from mailtwin import Config, MailtwinApp, create_app
from mailtwin.cli import main
from mailtwin.inprocess import client
from mailtwin.openapi import effective_document
from mailtwin.provider import Provider
from mailtwin.sources import builtin_data

ROOT = Path(__file__).resolve().parents[1]
PROVIDERS = sorted(path.stem for path in (builtin_data() / "specs").glob("*.yaml"))


@pytest.fixture(scope="module")
def every_provider() -> MailtwinApp:
    return create_app(Config(seed=0))


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


@pytest.mark.parametrize("name", PROVIDERS)
def test_each_effective_document_is_valid_openapi_31(every_provider: MailtwinApp,
                                                     name: str) -> None:
    provider = every_provider.runtime.providers[name]
    document = effective_document(provider)
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert "x-mailtwin" not in set(_keys(document))
    served = {op.full_path for op in every_provider.runtime.operations
              if op.provider.name == name}
    assert set(document["paths"]) == served
    assert all(path.startswith(provider.mount + "/") for path in document["paths"])


@pytest.mark.parametrize("name", PROVIDERS)
def test_extensions_are_kept_on_request(every_provider: MailtwinApp, name: str) -> None:
    document = effective_document(every_provider.runtime.providers[name], keep_extensions=True)
    validate(document)
    assert document["x-mailtwin"]["provider"] == name


def test_the_source_spec_is_left_untouched(every_provider: MailtwinApp) -> None:
    provider = every_provider.runtime.providers["emma"]
    effective_document(provider)
    assert "x-mailtwin" in provider.spec.document
    assert "/{account_id}/mailings" in provider.spec.document["paths"]


def test_extension_like_names_that_are_data_survive(every_provider: MailtwinApp) -> None:
    spec = every_provider.runtime.providers["emma"].spec
    document = dict(spec.document)
    document["components"] = {**document["components"], "schemas": {
        **document["components"]["schemas"],
        "Custom": {"type": "object", "x-internal": True,
                   "properties": {"x-id": {"type": "string", "x-note": 1}},
                   "example": {"x-id": "a"}}}}
    provider = Provider(replace(spec, document=document))
    custom = effective_document(provider)["components"]["schemas"]["Custom"]
    assert custom == {"type": "object", "properties": {"x-id": {"type": "string"}},
                      "example": {"x-id": "a"}}


def test_the_cli_writes_one_file_per_provider(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["openapi", "--out", str(tmp_path)])
    assert status == 0
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == PROVIDERS
    for path in tmp_path.glob("*.json"):
        validate(json.loads(path.read_text(encoding="utf-8")))
    assert capsys.readouterr().out.split() == [str(tmp_path / f"{n}.json") for n in PROVIDERS]


def test_the_cli_prints_one_provider_with_extensions(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["openapi", "--provider", "emma",
                   "--keep-extensions"])
    document = json.loads(capsys.readouterr().out)
    assert status == 0
    assert document["x-mailtwin"]["mount"] == "/emma"
    assert "/emma/{account_id}/mailings" in document["paths"]


def test_the_cli_refuses_an_unknown_provider(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["openapi", "--provider", "nobody"])
    assert status == 2
    assert "unknown provider(s): nobody" in capsys.readouterr().err


@pytest.mark.parametrize("name", PROVIDERS)
def test_the_control_plane_serves_the_same_document(every_provider: MailtwinApp,
                                                    name: str) -> None:
    with client(every_provider) as http:
        response = http.get(f"/__mailtwin/openapi/{name}.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == effective_document(every_provider.runtime.providers[name])


def test_an_optional_json_body_is_documented_as_taking_null(every_provider: MailtwinApp
                                                            ) -> None:
    document = effective_document(every_provider.runtime.providers["especial"])
    body = document["paths"]["/especial/accounts/{account_id}/convert-to-organization"]["post"][
        "requestBody"]
    assert not body.get("required")
    assert {"type": "null"} in body["content"]["application/json"]["schema"]["anyOf"]
