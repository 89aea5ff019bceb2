"""The control plane's own OpenAPI description and its error shape."""

from __future__ import annotations

import httpx

from mailtwin import Config, create_app
from mailtwin.control.operations import OPERATIONS
from mailtwin.control.stream import STREAMS
from mailtwin.control.validation import document, operations
from mailtwin.control.webhooks import WAITS
from mailtwin.inprocess import client


def test_every_described_operation_has_a_handler_and_back() -> None:
    described = {op.operation_id for op in operations()}
    assert described == set(OPERATIONS) | set(STREAMS) | set(WAITS)
    assert not set(OPERATIONS) & (set(STREAMS) | set(WAITS))


def test_the_document_is_valid_openapi_3_1() -> None:
    from openapi_spec_validator import validate

    validate(document())


def test_the_document_is_served(control: httpx.Client) -> None:
    response = control.get("/__mailtwin/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"] == "3.1.0"
    assert response.json() == document()


def test_unknown_path_and_method(control: httpx.Client) -> None:
    missing = control.get("/__mailtwin/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"] == "no control endpoint at /__mailtwin/nothing"
    wrong = control.delete("/__mailtwin/clock")
    assert wrong.status_code == 405
    assert wrong.json()["problems"][0]["type"] == "method_not_allowed"
    assert "GET" in wrong.headers["allow"]


def test_malformed_json_is_refused(control: httpx.Client) -> None:
    response = control.post("/__mailtwin/clock/advance", content=b"{nope",
                            headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["problems"][0]["type"] == "json_invalid"


def test_missing_body_is_refused(control: httpx.Client) -> None:
    response = control.put("/__mailtwin/clock")
    assert response.status_code == 400
    assert response.json() == {"error": "a JSON request body is required", "problems": [
        {"loc": ["body"], "msg": "a JSON request body is required", "type": "missing"}]}


def test_provider_openapi_document(control: httpx.Client) -> None:
    response = control.get("/__mailtwin/openapi/emma.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")
    assert any("mailings" in path for path in response.json()["paths"])
    unknown = control.get("/__mailtwin/openapi/nope.json")
    assert unknown.status_code == 404
    assert unknown.json()["problems"][0]["loc"] == ["path", "provider"]


def test_no_control_turns_the_control_plane_off() -> None:
    app = create_app(Config(
                            providers=("emma",), control=False))
    with client(app) as http:
        response = http.post("/__mailtwin/reset")
    assert response.status_code == 404
    assert response.json()["error"] == "no provider is mounted at /__mailtwin/reset"
