"""`POST /especial/token` and `PUT /especial/token` answer the bytes real clients send.

How public clients of the platform call the token endpoint:

- The platform's generated Python SDK (openapi-generator over urllib3) posts `username`,
  `password`, `grant_type` and `account_id` as `application/x-www-form-urlencoded`, and
  refreshes with `PUT /token` and a URL-encoded `refresh_token`.
- TypeScript and C# integrations post `URLSearchParams` / `FormUrlEncodedContent` bodies that
  carry extra fields (`scopes=user`, `expiration_seconds=3600`) besides the credentials.
- Token endpoints of this kind (an OAuth 2 password form) are also called with
  multipart/form-data: `requests` with `files=`, httpx with `files=`, a browser or Node
  `FormData`, and the `curl --form` snippets API tools generate.

Each case below is built by the client library itself (a `requests.PreparedRequest`, an
`httpx.Request`), so the test sends exactly its bytes and headers.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import requests

from mailtwin import Config, MailtwinApp, create_app
from mailtwin.inprocess import client

URL = "http://mailtwin.test/especial/token"
CREDENTIALS = {"username": "me@example.com", "password": "secret"}


@pytest.fixture(scope="module")
def app() -> MailtwinApp:
    return create_app(Config(seed=0))


@pytest.fixture
def http(app: MailtwinApp) -> Iterator[httpx.Client]:
    with client(app) as session:
        yield session


def send_prepared(http: httpx.Client, prepared: requests.PreparedRequest) -> httpx.Response:
    """Send what `requests` would put on the wire: its body and its headers."""
    body = prepared.body
    content = body.encode() if isinstance(body, str) else body
    return http.request(str(prepared.method), str(prepared.url), content=content,
                        headers=dict(prepared.headers))


def requests_call(method: str, **kwargs: object) -> requests.PreparedRequest:
    return requests.Request(method, URL, **kwargs).prepare()  # type: ignore[arg-type]


CLIENTS = {
    "requests data= (the SDK's form)": lambda: requests_call(
        "POST", data={**CREDENTIALS, "grant_type": "password", "account_id": "1002"}),
    "requests data= with extra fields": lambda: requests_call(
        "POST", data={**CREDENTIALS, "scopes": "user", "expiration_seconds": "3600"}),
    "requests files= (multipart)": lambda: requests_call(
        "POST", files={name: (None, value) for name, value in CREDENTIALS.items()}),
    "requests data= and files= (multipart)": lambda: requests_call(
        "POST", data={"username": CREDENTIALS["username"]},
        files={"password": (None, CREDENTIALS["password"])}),
}


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_requests_clients_get_a_token(http: httpx.Client, name: str) -> None:
    prepared = CLIENTS[name]()
    answer = send_prepared(http, prepared)
    assert answer.status_code == 200, answer.text
    assert answer.json()["access_token"]
    assert answer.json()["accounts"] == [1001, 1002]


def test_requests_multipart_really_is_multipart() -> None:
    prepared = CLIENTS["requests files= (multipart)"]()
    assert prepared.headers["Content-Type"].startswith("multipart/form-data; boundary=")


@pytest.mark.parametrize("send", [
    {"data": CREDENTIALS},
    {"files": {name: (None, value) for name, value in CREDENTIALS.items()}},
    {"data": {"username": CREDENTIALS["username"]},
     "files": {"password": (None, CREDENTIALS["password"])}},
], ids=["data", "files", "data-and-files"])
def test_httpx_clients_get_a_token(http: httpx.Client, send: dict[str, object]) -> None:
    request = http.build_request("POST", URL, **send)  # type: ignore[arg-type]
    answer = http.send(request)
    assert answer.status_code == 200, answer.text
    assert answer.json()["refresh_token"]


@pytest.mark.parametrize("encode", ["data", "files"])
def test_a_refresh_by_put_reads_either_form(http: httpx.Client, encode: str) -> None:
    tokens = http.post(URL, data=CREDENTIALS).json()
    fields = {"refresh_token": tokens["refresh_token"]}
    body = {"data": fields} if encode == "data" else {
        "files": {name: (None, value) for name, value in fields.items()}}
    renewed = http.put(URL, **body)  # type: ignore[arg-type]
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["access_token"] != tokens["access_token"]


def test_multipart_without_the_password_names_the_field(http: httpx.Client) -> None:
    answer = http.post(URL, files={"username": (None, CREDENTIALS["username"])})
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"loc": ["body", "password"], "msg": "field required",
                                        "type": "missing"}]


def test_a_multipart_login_is_one_request_not_a_loop(http: httpx.Client) -> None:
    """A client that logs in with multipart and then calls the API gets through."""
    tokens = http.post(URL, files={name: (None, value) for name, value in CREDENTIALS.items()})
    bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    assert http.get("http://mailtwin.test/especial/accounts/self", headers=bearer
                    ).status_code == 200
