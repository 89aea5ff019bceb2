"""Bodies are read by what the operation declares: JSON whatever the Content-Type says, forms
URL-encoded or multipart, `null` like no body where the body is optional; a form body that
cannot be read is a 4xx in the provider's shape."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mailtwin import Clock, Config, MailtwinApp, create_app
from mailtwin.formdata import MAX_PARTS
from mailtwin.inprocess import client
from tests.conftest import SEED_TIME

EMMA = ("public-key", "private-key")
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def app() -> MailtwinApp:
    return create_app(Config(seed=0), Clock(frozen_at=SEED_TIME))


@pytest.fixture
def http(app: MailtwinApp) -> Iterator[httpx.Client]:
    app.runtime.store.reset()
    with client(app) as session:
        yield session


@pytest.mark.parametrize("headers", [
    {"content-type": FORM},  # curl -d
    {},  # requests.put(url, data=json.dumps(...)) sends no Content-Type
    {"content-type": "text/plain"},
    {"content-type": "application/json; charset=utf-8"},
])
def test_a_json_operation_reads_json_whatever_the_content_type(
        http: httpx.Client, headers: dict[str, str]) -> None:
    answer = http.put("/emma/100/mailings/211", content=b'{"status": "paused"}',
                      headers=headers, auth=EMMA)
    assert answer.status_code == 200, answer.text
    assert answer.json() == "a"


def test_a_json_operation_refuses_a_form_as_malformed_json(http: httpx.Client) -> None:
    answer = http.put("/emma/100/mailings/211", data={"status": "paused"}, auth=EMMA)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("malformed JSON: ")


def test_a_json_operation_refuses_a_multipart_body(http: httpx.Client) -> None:
    answer = http.put("/emma/100/mailings/211", files={"status": (None, "paused")}, auth=EMMA)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("malformed JSON: ")


@pytest.mark.parametrize("send", [
    {"data": {"grant_type": "client_credentials", "client_id": "acme"}},
    {"files": {"grant_type": (None, "client_credentials"), "client_id": (None, "acme")}},
    {"data": {"grant_type": "client_credentials"}, "files": {"client_id": (None, "acme")}},
])
def test_a_form_operation_reads_urlencoded_and_multipart_alike(
        http: httpx.Client, send: dict[str, object]) -> None:
    answer = http.post("/outreach/oauth/token", **send)  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "bearer"


def _multipart(*parts: bytes, boundary: bytes = b"b0und") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return body + b"--" + boundary + b"--\r\n"


def _part(name: str, value: bytes) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value


GOOD = _multipart(_part("username", b"me@example.com"), _part("password", b"pw"))
MALFORMED = {
    "no boundary": ("multipart/form-data", GOOD),
    "another boundary": ("multipart/form-data; boundary=other", GOOD),
    "garbage": ("multipart/form-data; boundary=b0und", b"garbage"),
    "truncated": ("multipart/form-data; boundary=b0und", GOOD[:60]),
    "no closing boundary": ("multipart/form-data; boundary=b0und", GOOD[:-10]),
    "part without a name": ("multipart/form-data; boundary=b0und",
                            _multipart(b"Content-Disposition: form-data\r\n\r\nx")),
    "part that is not form-data": ("multipart/form-data; boundary=b0und",
                                   _multipart(b'Content-Disposition: inline; name="a"\r\n\r\nx')),
    "part that is not UTF-8": ("multipart/form-data; boundary=b0und",
                               _multipart(_part("username", b"\xff\xfe"))),
    "boundary too long": ("multipart/form-data; boundary=" + "x" * 300, GOOD),
    "too many parts": ("multipart/form-data; boundary=b0und",
                       _multipart(*[_part(f"f{i}", b"x") for i in range(MAX_PARTS + 1)])),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_multipart_is_a_4xx_in_the_providers_shape(http: httpx.Client,
                                                             kind: str) -> None:
    content_type, body = MALFORMED[kind]
    answer = http.post("/especial/token", content=body, headers={"content-type": content_type})
    assert 400 <= answer.status_code < 500, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"][0] == "body", detail
    outreach = http.post("/outreach/oauth/token", content=body,
                         headers={"content-type": content_type})
    assert 400 <= outreach.status_code < 500, outreach.text
    assert outreach.json()["errors"][0]["detail"], outreach.text


def test_a_well_formed_multipart_body_by_hand_is_read(http: httpx.Client) -> None:
    answer = http.post("/especial/token", content=GOOD,
                       headers={"content-type": "multipart/form-data; boundary=b0und"})
    assert answer.status_code == 200, answer.text


def test_a_null_body_where_the_body_is_optional_is_no_body(http: httpx.Client) -> None:
    """What a client sends for the split-test winner when it has no options."""
    answer = http.post("/emma/100/mailings/202/winner/203", content=b"null", auth=EMMA,
                       headers={"content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.json() is True


def test_a_null_body_is_no_body_on_every_optional_body_operation(app: MailtwinApp) -> None:
    optional = [op for op in app.runtime.operations
                if op.body.declared and not op.body.required and not op.body.form]
    assert len(optional) >= 5
    for op in optional:
        for content_type in ("application/json", ""):
            assert op.body.parse(b"null", content_type) == (None, [], False), op.full_path


def test_a_null_body_where_the_body_is_required_is_refused(http: httpx.Client) -> None:
    answer = http.put("/emma/100/mailings/211", content=b"null", auth=EMMA,
                      headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert "object" in answer.json()["error"]


def test_an_operation_without_a_body_reads_one_by_content_type(http: httpx.Client) -> None:
    form = http.request("DELETE", "/emma/100/mailings/211", content=b"a=1", auth=EMMA,
                        headers={"content-type": FORM})
    assert form.status_code == 200, form.text
    not_json = http.request("DELETE", "/emma/100/mailings/212", content=b"a=1", auth=EMMA,
                            headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    assert not_json.json()["error"].startswith("malformed JSON: ")
