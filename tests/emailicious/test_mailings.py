"""Emailicious mailings: list defaults, layouts, deliveries on the clock, DRF pages and every
refusal as DRF field errors; a refused request changes nothing."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import timedelta
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp
from mailtwin.inprocess import client

from .conftest import BASE, HTML, PNG, zip_uri


def mailing(name: str = "Mailing", layout: dict[str, Any] | None = None,
            **fields: Any) -> dict[str, Any]:
    variant = {"subject": "Hello", "layout": layout or {"text": "Hello there"},
               "deliveries": [{"scheduled_datetime": "2018-09-16T13:00:00Z"}]}
    return {"list": 1, "name": name, "variants": [variant], **fields}


def count(emailicious: httpx.Client) -> int:
    return int(emailicious.get("/mailings").json()["count"])


def test_create_then_list_it_back(emailicious: httpx.Client, layout: str) -> None:
    created = emailicious.post("/mailings", json=mailing("Zipped", {"zip_file": layout},
                                                         campaign=2, segments=[1, 2]))
    assert created.status_code == 201
    ident = created.json()["id"]
    listed = emailicious.get("/mailings", params={"list": 1}).json()
    assert listed["results"][-1] == {"id": ident, "name": "Zipped", "campaign": 2}
    detail = emailicious.get(f"/mailings/{ident}").json()
    assert detail == created.json()
    assert detail["segments"] == [1, 2]
    assert detail["variants"][0]["layout"]["source"] == HTML


def test_variant_fields_override_list_defaults(emailicious: httpx.Client) -> None:
    body = mailing(list=2)
    body["variants"][0].update(from_name="Me", language="fr")
    variant = emailicious.post("/mailings", json=body).json()["variants"][0]
    assert (variant["from_name"], variant["from_email"], variant["replyto_email"]) == (
        "Me", "news@acme.example", "support@acme.example")
    assert variant["language"] == "fr"
    assert variant["layout"]["source"] == "Hello there"


def test_list_filter(emailicious: httpx.Client) -> None:
    response = emailicious.get("/mailings", params={"list": 2})
    assert response.json() == {"count": 1, "next": None, "previous": None,
                               "results": [{"id": 3, "name": "Third mailing",
                                            "campaign": None}]}


def test_paging_to_the_end_by_following_next(emailicious: httpx.Client) -> None:
    for n in range(40):
        assert emailicious.post("/mailings", json=mailing(f"Bulk {n}")).status_code == 201
    names: list[str] = []
    page = emailicious.get("/mailings", params={"page_size": 6}).json()
    previous = None
    while True:
        assert page["count"] == 43
        assert page["previous"] == previous
        names.extend(item["name"] for item in page["results"])
        if page["next"] is None:
            break
        assert page["next"].startswith("http://mailtwin.test/emailicious/api/v1/mailings?")
        url = page["next"]
        page = emailicious.get(url).json()
        previous = _previous_of(url)
    assert len(names) == 43 == len(set(names))


def _previous_of(url: str) -> str:
    number = int(url.rsplit("page=", 1)[1])
    base = url.rsplit("&page=", 1)[0]
    return base if number == 2 else f"{base}&page={number - 1}"


def test_default_page_holds_100(emailicious: httpx.Client) -> None:
    for n in range(100):
        emailicious.post("/mailings", json=mailing(f"Bulk {n}"))
    first = emailicious.get("/mailings").json()
    assert len(first["results"]) == 100
    assert first["next"] == "http://mailtwin.test/emailicious/api/v1/mailings?page=2"
    second = emailicious.get(first["next"]).json()
    assert [r["name"] for r in second["results"]] == ["Bulk 97", "Bulk 98", "Bulk 99"]
    assert second["previous"] == "http://mailtwin.test/emailicious/api/v1/mailings"


def test_delivery_is_sent_when_the_clock_passes_it(sandbox: MailtwinApp,
                                                    emailicious: httpx.Client) -> None:
    ident = emailicious.post("/mailings", json=mailing()).json()["id"]
    sandbox.runtime.clock.advance(timedelta(minutes=59))
    delivery = emailicious.get(f"/mailings/{ident}").json()["variants"][0]["deliveries"][0]
    assert (delivery["status"], delivery["sent_at"]) == ("scheduled", None)
    sandbox.runtime.clock.advance(timedelta(minutes=1))
    delivery = emailicious.get(f"/mailings/{ident}").json()["variants"][0]["deliveries"][0]
    assert delivery == {"exclusions": [], "limit": None,
                        "scheduled_datetime": "2018-09-16T13:00:00Z", "status": "sent",
                        "sent_at": "2018-09-16T13:00:00.000Z"}


def test_fixture_delivery_in_the_future_is_sent_later(sandbox: MailtwinApp,
                                                      emailicious: httpx.Client) -> None:
    before = emailicious.get("/mailings/2").json()["variants"][0]["deliveries"][0]
    assert before["status"] == "scheduled"
    sandbox.runtime.clock.advance(timedelta(days=365 * 12))
    after = emailicious.get("/mailings/2").json()["variants"][0]["deliveries"][0]
    assert (after["status"], after["sent_at"]) == ("sent", "2030-03-20T14:00:00.000Z")


@pytest.mark.parametrize("body, expected", [
    ({}, {"list": ["field required"], "name": ["field required"],
          "variants": ["field required"]}),
    ({"list": 1, "name": "x", "variants": [{"subject": "s", "layout": {"text": "t"},
                                            "deliveries": [{"scheduled_datetime": "soon"}]}]},
     {"variants": [{"deliveries": [{"scheduled_datetime": ['"soon" is not a "date-time"']}]}]}),
    ({"list": 1, "name": "x", "variants": [{"layout": {"text": "t"},
                                            "from_email": "nobody"}]},
     {"variants": [{"from_email": ['"nobody" is not a "email"'],
                    "subject": ["field required"]}]}),
    ({"list": "one", "name": "x", "variants": []},
     {"list": ['"one" is not of type "integer"'], "variants": ["[] should be non-empty"]}),
])
def test_schema_problems_are_nested_field_errors(emailicious: httpx.Client,
                                                 body: dict[str, Any],
                                                 expected: dict[str, Any]) -> None:
    response = emailicious.post("/mailings", json=body)
    assert response.status_code == 400
    assert response.json() == expected


def test_unknown_references_and_duplicate_name(emailicious: httpx.Client) -> None:
    response = emailicious.post("/mailings", json=mailing(
        "First mailing", list=9, campaign=7, segments=[99]))
    assert response.status_code == 400
    assert response.json() == {
        "list": ['Invalid pk "9" - object does not exist.'],
        "campaign": ['Invalid pk "7" - object does not exist.'],
        "segments": [['Invalid pk "99" - object does not exist.']],
        "name": ["mailing with this name already exists."],
    }
    assert count(emailicious) == 3


def test_segment_of_another_list_is_refused(emailicious: httpx.Client) -> None:
    response = emailicious.post("/mailings", json=mailing(segments=[1, 3]))
    assert response.json() == {"segments": [{}, ['Invalid pk "3" - object does not exist.']]}


@pytest.mark.parametrize("zip_file, message", [
    ("http://example.com/layout.zip",
     "Expected a base64 data URI (data:application/zip;base64,...)."),
    ("data:application/zip;base64,!!!", "The data URI does not hold valid base64 content."),
    ("data:application/zip;base64,aGVsbG8gd29ybGQ=",
     "The submitted file is not a valid zip archive."),
    (zip_uri({"home.html": HTML}), "The zip archive must contain an index.html file."),
    (zip_uri({"index.html": HTML, "images/logo.bmp": b"BM"}),
     "images/logo.bmp is not a supported image: use .jpg, .png or .gif files."),
    (zip_uri({"index.html": HTML, "images/logo.png": b"GIF89a..."}),
     "images/logo.png is not a valid PNG image."),
    (zip_uri({"index.html": b"\xff\xfe<html>"}), "index.html is not valid UTF-8."),
])
def test_bad_zip_layouts_get_a_field_error(emailicious: httpx.Client, zip_file: str,
                                           message: str) -> None:
    response = emailicious.post("/mailings", json=mailing(layout={"zip_file": zip_file}))
    assert response.status_code == 400
    assert response.json() == {"variants": [{"layout": {"zip_file": [message]}}]}
    assert count(emailicious) == 3


def test_zip_with_an_unsupported_compression_is_refused(emailicious: httpx.Client) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w") as archive:
        archive.writestr("index.html", HTML)
    raw = bytearray(buffer.getvalue())
    central = raw.index(b"PK\x01\x02")
    raw[central + 10:central + 12] = (99).to_bytes(2, "little")  # an unknown method
    uri = "data:application/zip;base64," + base64.b64encode(bytes(raw)).decode()
    response = emailicious.post("/mailings", json=mailing(layout={"zip_file": uri}))
    assert response.status_code == 400
    assert response.json() == {"variants": [{"layout": {"zip_file": [
        "The submitted file is not a valid zip archive."]}}]}


def test_images_of_every_accepted_kind(emailicious: httpx.Client) -> None:
    layout = zip_uri({"index.html": HTML, "images/a.png": PNG, "images/b.gif": b"GIF87a..",
                      "images/c.jpg": b"\xff\xd8\xff\xe0..", "images/": b""})
    response = emailicious.post("/mailings", json=mailing(layout={"zip_file": layout}))
    assert response.status_code == 201


def test_layout_needs_zip_or_text(emailicious: httpx.Client) -> None:
    body = mailing()
    body["variants"].append({"subject": "Second", "layout": {}})
    response = emailicious.post("/mailings", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "variants": [{}, {"layout": ["Provide either a zip_file or a text layout."]}]}


def test_unknown_mailing_and_bad_pages_are_404(emailicious: httpx.Client) -> None:
    missing = emailicious.get("/mailings/999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Mailing 999 not found"}
    for page in ("2", "0", "last", "\u00b9"):
        response = emailicious.get("/mailings", params={"page": page})
        assert response.status_code == 404
        assert response.json() == {"detail": "Invalid page."}


def test_basic_auth_is_required(sandbox: MailtwinApp) -> None:
    with client(sandbox, base_url=BASE) as http:
        missing = http.get("/mailings")
        assert missing.status_code == 401
        assert missing.json() == {"detail": "Authentication credentials were not provided."}
        wrong = http.get("/mailings", headers={"Authorization": "Basic bm9wYXNzd29yZA=="})
        assert wrong.status_code == 401
        assert wrong.json() == {"detail": "Invalid username/password."}
        assert wrong.headers["www-authenticate"].startswith("Basic")


def test_accounts_are_separate(sandbox: MailtwinApp, emailicious: httpx.Client) -> None:
    emailicious.post("/mailings", json=mailing("Mine"))
    with client(sandbox, base_url=BASE, auth=("other", "secret")) as http:
        assert http.get("/mailings").json()["count"] == 3


def test_a_field_error_names_json_values_not_python_ones(emailicious: httpx.Client) -> None:
    response = emailicious.post("/mailings", json={"list": None, "name": "x", "variants": [
        {"subject": "s", "layout": {"text": "t"},
         "deliveries": [{"scheduled_datetime": "2030-01-01T00:00:00Z", "limit": False}]}]})
    assert response.status_code == 400
    assert response.json() == {"list": ["null is not of type \"integer\""], "variants": [
        {"deliveries": [{"limit": ['false is not of type "integer", "null"']}]}]}
