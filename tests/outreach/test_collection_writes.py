"""Creating and updating the collections mailings and templates relate to, by the JSON:API
conventions templates follow: read-only attributes, related ids that must exist, one id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import JSONAPI

NOW = "2018-09-16T12:00:00.000Z"


def document(kind: str, attributes: dict[str, Any],
             relationships: dict[str, Any] | None = None, **data: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "attributes": attributes, **data}
    if relationships is not None:
        body["relationships"] = relationships
    return {"data": body}


def one(kind: str, ident: int) -> dict[str, Any]:
    return {"data": {"type": kind, "id": ident}}


def test_a_prospect_is_created_at_an_account(outreach: httpx.Client) -> None:
    response = outreach.post("/prospects", headers={"Content-Type": JSONAPI}, json=document(
        "prospect", {"firstName": "Dana", "lastName": "Reyes", "emails": ["dana@initech.example"],
                     "company": "Initech", "custom7": "Q4 event"},
        {"account": one("account", 3), "stage": one("stage", 2), "owner": one("user", 4)}))
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["type"] == "prospect"
    assert data["attributes"]["emails"] == ["dana@initech.example"]
    assert data["attributes"]["custom7"] == "Q4 event"
    assert data["attributes"]["custom8"] is None
    assert data["attributes"]["openCount"] == 0
    assert data["attributes"]["createdAt"] == data["attributes"]["updatedAt"] == NOW
    assert data["relationships"]["account"] == one("account", 3)
    assert data["relationships"]["stage"] == one("stage", 2)
    assert outreach.get(f"/prospects/{data['id']}").json() == response.json()
    listed = outreach.get("/prospects", params={"filter[account][id]": "3",
                                                "page[size]": 1000}).json()["data"]
    assert data["id"] in {item["id"] for item in listed}


def test_an_update_changes_only_what_is_sent(outreach: httpx.Client) -> None:
    before = outreach.get("/accounts/1").json()["data"]
    response = outreach.patch("/accounts/1", json=document(
        "account", {"industry": "Retail"}, {"owner": one("user", 2)}, id=1))
    assert response.status_code == 200, response.text
    after = response.json()["data"]
    assert after["attributes"]["industry"] == "Retail"
    assert after["attributes"]["name"] == before["attributes"]["name"] == "Northwind Traders"
    assert after["attributes"]["updatedAt"] == NOW
    assert after["relationships"]["owner"] == one("user", 2)
    assert outreach.get("/accounts/1").json()["data"] == after


@pytest.mark.parametrize("path, kind, attributes", [
    ("/stages", "stage", {"name": "Nurture", "order": 8, "color": "#8d6e63"}),
    ("/teams", "team", {"name": "Partnerships", "color": "#5c6bc0"}),
    ("/users", "user", {"email": "sam.lee@example.com", "firstName": "Sam", "lastName": "Lee"}),
    ("/mailboxes", "mailbox", {"email": "sam.lee@example.com", "maxEmailsPerDay": 200}),
    ("/sequences", "sequence", {"name": "Event follow-up", "sequenceType": "date"}),
    ("/sequenceSteps", "sequenceStep", {"order": 4, "stepType": "call", "interval": 1440}),
])
def test_every_collection_but_states_takes_creates(outreach: httpx.Client, path: str,
                                                   kind: str, attributes: dict[str, Any]
                                                   ) -> None:
    total = outreach.get(path).json()["meta"]["count"]
    response = outreach.post(path, json=document(kind, attributes))
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["id"] >= 1000
    assert {name: data["attributes"][name] for name in attributes} == attributes
    assert outreach.get(path).json()["meta"]["count"] == total + 1


def test_read_only_attributes_and_unknown_ones_are_422(outreach: httpx.Client) -> None:
    read_only = outreach.post("/sequences", json=document(
        "sequence", {"name": "x", "openCount": 3, "sequenceStepCount": 2}))
    assert read_only.status_code == 422
    pointers = {error["source"]["pointer"] for error in read_only.json()["errors"]}
    assert pointers == {"/data/attributes/openCount", "/data/attributes/sequenceStepCount"}
    for kind, path, attributes, wrong in (
            ("sequence", "/sequences", {"name": "x", "custom1": "no"}, "custom1"),
            ("account", "/accounts", {"custom150": "yes", "custom151": "no"}, "custom151"),
            ("prospect", "/prospects", {"custom1": "yes", "colour": "red"}, "colour")):
        response = outreach.post(path, json=document(kind, attributes))
        assert response.status_code == 422
        assert response.json()["errors"][0]["source"] == {
            "pointer": f"/data/attributes/{wrong}"}


def test_related_ids_must_exist(outreach: httpx.Client) -> None:
    response = outreach.post("/prospects", json=document(
        "prospect", {"firstName": "Nobody"}, {"account": one("account", 404404)}))
    assert response.status_code == 404
    assert response.json()["errors"][0]["source"] == {
        "pointer": "/data/relationships/account/data/id"}
    mailing = outreach.post("/mailings", json=document(
        "mailing", {"subject": "Hi"}, {"sequenceState": one("sequenceState", 404404)}))
    assert mailing.status_code == 404
    known = outreach.post("/mailings", json=document(
        "mailing", {"subject": "Hi"}, {"sequenceState": one("sequenceState", 3),
                                       "sequenceStep": one("sequenceStep", 10)}))
    assert known.status_code == 201
    assert known.json()["data"]["relationships"]["sequenceStep"] == one("sequenceStep", 10)


def test_an_id_that_is_not_the_urls_is_409(outreach: httpx.Client) -> None:
    response = outreach.patch("/stages/2", json=document("stage", {"name": "x"}, id=3))
    assert response.status_code == 409
    assert outreach.get("/stages/2").json()["data"]["attributes"]["name"] == "Approaching"


def test_sequence_states_are_read_only(outreach: httpx.Client) -> None:
    response = outreach.post("/sequenceStates", json=document("sequenceState", {}))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
