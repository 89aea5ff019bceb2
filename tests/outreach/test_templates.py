"""Templates: create, read, update and delete as JSON:API documents; every refusal in the
JSON:API error shape, and a refused request changes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx

from mailtwin import MailtwinApp
from mailtwin.inprocess import client

from .conftest import JSONAPI


def document(attributes: dict[str, Any], relationships: dict[str, Any] | None = None,
             **data: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "template", "attributes": attributes, **data}
    if relationships is not None:
        body["relationships"] = relationships
    return {"data": body}


def count(outreach: httpx.Client) -> int:
    return int(outreach.get("/templates", params={"page[size]": 1}).json()["meta"]["count"])


def test_create_answers_201_with_the_new_resource(outreach: httpx.Client) -> None:
    owner = {"owner": {"data": {"type": "user", "id": "2"}}}
    response = outreach.post("/templates", content=json.dumps(document(
        {"name": "Quarterly check-in", "shareType": "shared", "tags": ["Nurture"]}, owner)),
        headers={"Content-Type": JSONAPI})
    assert response.status_code == 201
    assert response.headers["content-type"] == JSONAPI
    data = response.json()["data"]
    assert data["type"] == "template"
    assert data["attributes"]["name"] == "Quarterly check-in"
    assert data["attributes"]["createdAt"] == "2018-09-16T12:00:00.000Z"
    assert data["attributes"]["scheduleCount"] == 0
    assert data["relationships"]["owner"] == {"data": {"type": "user", "id": 2}}
    assert outreach.get(f"/templates/{data['id']}").json() == response.json()


def test_plain_json_is_accepted(outreach: httpx.Client) -> None:
    response = outreach.post("/templates", json=document({"name": "Plain"}))
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["name"] == "Plain"


def test_update_changes_only_what_is_sent(outreach: httpx.Client) -> None:
    before = outreach.get("/templates/1").json()["data"]
    response = outreach.patch("/templates/1", json=document(
        {"subject": "New subject"}, {"owner": {"data": {"type": "user", "id": 3}}}, id="1"))
    assert response.status_code == 200
    after = response.json()["data"]
    assert after["attributes"]["subject"] == "New subject"
    assert after["attributes"]["name"] == before["attributes"]["name"]
    assert after["attributes"]["updatedAt"] == "2018-09-16T12:00:00.000Z"
    assert after["relationships"]["owner"]["data"] == {"type": "user", "id": 3}
    assert outreach.get("/templates/1").json()["data"] == after


def test_delete_answers_204_then_404(outreach: httpx.Client) -> None:
    response = outreach.delete("/templates/2")
    assert response.status_code == 204
    assert response.content == b""
    gone = outreach.get("/templates/2")
    assert gone.status_code == 404
    assert gone.json() == {"errors": [{"id": "notFound", "title": "Not Found",
                                       "detail": "Template 2 not found"}]}


def test_invalid_document_lists_every_problem(outreach: httpx.Client) -> None:
    total = count(outreach)
    response = outreach.post("/templates", json=document(
        {"name": "x" * 226, "shareType": "public", "trackLinks": "yes"}))
    assert response.status_code == 422
    pointers = {e["source"]["pointer"] for e in response.json()["errors"]}
    assert pointers == {"/data/attributes/name", "/data/attributes/shareType",
                        "/data/attributes/trackLinks"}
    assert count(outreach) == total


def test_name_of_225_characters_is_accepted(outreach: httpx.Client) -> None:
    response = outreach.post("/templates", json=document({"name": "x" * 225}))
    assert response.status_code == 201


def test_read_only_attributes_are_named(outreach: httpx.Client) -> None:
    total = count(outreach)
    response = outreach.post("/templates", json=document(
        {"name": "Sneaky", "openCount": 5, "createdAt": "2018-01-01T00:00:00Z"}))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["source"]["pointer"], e["detail"]) for e in errors] == [
        ("/data/attributes/createdAt", "createdAt is read-only and cannot be set"),
        ("/data/attributes/openCount", "openCount is read-only and cannot be set")]
    assert count(outreach) == total
    patched = outreach.patch("/templates/1", json=document({"deliverCount": 1, "name": "N"}))
    assert patched.status_code == 422
    assert patched.json()["errors"][0]["source"] == {"pointer": "/data/attributes/deliverCount"}
    assert outreach.get("/templates/1").json()["data"]["attributes"]["name"] != "N"


def test_relationship_problems_are_located(outreach: httpx.Client) -> None:
    total = count(outreach)
    response = outreach.post("/templates", json=document({"name": "R"}, {
        "creator": {"data": {"type": "mailbox", "id": 1}},
        "sponsor": {"data": {"type": "user", "id": 1}}}))
    assert response.status_code == 422
    details = {e["source"]["pointer"]: e["detail"] for e in response.json()["errors"]}
    assert details == {"/data/relationships/creator/data/type": '"user" was expected',
                       "/data/relationships/sponsor": "unknown field"}
    assert count(outreach) == total


def test_related_records_must_exist(outreach: httpx.Client) -> None:
    total = count(outreach)
    response = outreach.post("/templates", json=document({"name": "R"}, {
        "owner": {"data": {"type": "user", "id": 999}},
        "updater": {"data": {"type": "user", "id": "1"}}}))
    assert response.status_code == 404
    assert response.json() == {"errors": [{
        "id": "notFound", "title": "Not Found", "detail": "user 999 not found",
        "source": {"pointer": "/data/relationships/owner/data/id"}}]}
    assert count(outreach) == total


def test_wrong_type_and_mismatched_id_are_refused(outreach: httpx.Client) -> None:
    wrong = outreach.post("/templates", json={"data": {"type": "mailing", "attributes": {}}})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["source"] == {"pointer": "/data/type"}
    mismatch = outreach.patch("/templates/1", json=document({"name": "M"}, id="2"))
    assert mismatch.status_code == 409
    assert mismatch.json()["errors"] == [{
        "id": "conflict", "title": "Conflict", "detail": "id must match the URL (1)",
        "source": {"pointer": "/data/id"}}]
    assert outreach.get("/templates/1").json()["data"]["attributes"]["name"] != "M"


def test_missing_data_is_refused(outreach: httpx.Client) -> None:
    response = outreach.post("/templates", json={"name": "no document"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"] == {"pointer": "/data"}


def test_malformed_json_is_a_400(outreach: httpx.Client) -> None:
    response = outreach.post("/templates", content=b'{"data": ',
                             headers={"Content-Type": JSONAPI})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["title"] == "Bad Request"
    assert error["detail"].startswith("malformed JSON")


def test_unknown_ids_are_404(outreach: httpx.Client) -> None:
    for method, path in (("GET", "/templates/4242"), ("PATCH", "/templates/4242"),
                         ("DELETE", "/templates/4242"), ("GET", "/mailings/4242")):
        body = document({"name": "x"}) if method == "PATCH" else None
        response = outreach.request(method, path, json=body)
        assert response.status_code == 404, (method, path)
        assert response.json()["errors"][0]["id"] == "notFound"


def test_non_numeric_id_is_404(outreach: httpx.Client) -> None:
    response = outreach.get("/templates/abc")
    assert response.status_code == 404
    assert response.json()["errors"][0]["title"] == "Not Found"


def test_a_read_links_to_the_host_it_was_asked_through(outreach: httpx.Client,
                                                       sandbox: MailtwinApp) -> None:
    here = outreach.get("/templates/1").json()["data"]["links"]["self"]
    headers = {"Authorization": "Bearer test-token"}
    with client(sandbox, base_url="http://other.test:9000/outreach/api/v2",
                headers=headers) as other:
        there = other.get("/templates/1").json()["data"]["links"]["self"]
    assert (here, there) == ("http://mailtwin.test/outreach/api/v2/templates/1",
                             "http://other.test:9000/outreach/api/v2/templates/1")
    meta = outreach.get("/templates/1?provideAuthorizationMeta=true").json()["data"]
    assert meta["meta"] and "meta" not in outreach.get("/templates/1").json()["data"]


def test_a_refusal_names_json_values_not_python_ones(outreach: httpx.Client) -> None:
    response = outreach.post("/templates", json={"data": {
        "type": "template", "attributes": {"name": "x", "tags": [None]}}})
    assert response.status_code == 422
    assert [error["detail"] for error in response.json()["errors"]] == [
        'null is not of type "string"']
