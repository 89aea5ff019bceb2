"""Custom attributes and interests of a list, coherent with the list's contacts."""

from __future__ import annotations

from typing import Any

import httpx


def _contact(especial: httpx.Client, ident: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = especial.get(f"/lists/1/contacts/{ident}").json()["data"]
    return data


def _attributes(especial: httpx.Client) -> list[str]:
    return [a["name"] for a in _contact(especial)["custom_attributes"]]


def test_a_custom_attribute_is_declared_once_per_list(especial: httpx.Client) -> None:
    answer = especial.post("/lists/1/custom-attributes", json={"name": "zip", "type": "text"})
    assert answer.status_code == 201
    assert answer.json() == {"name": "zip", "object": "attribute", "created": True,
                             "data": {"name": "zip", "type": "text"}}
    again = especial.post("/lists/1/custom-attributes", json={"name": "zip", "type": "text"})
    assert again.status_code == 400
    assert again.json()["detail"][0]["msg"] == "list 1 already has the custom attribute 'zip'"
    reserved = especial.post("/lists/1/custom-attributes", json={"name": "email",
                                                                 "type": "text"})
    assert reserved.status_code == 400
    missing = especial.post("/lists/99/custom-attributes", json={"name": "zip", "type": "text"})
    assert missing.status_code == 404
    bad_type = especial.post("/lists/1/custom-attributes", json={"name": "x", "type": "blob"})
    assert bad_type.status_code == 422


def test_deleting_a_custom_attribute_removes_it_from_contacts(especial: httpx.Client) -> None:
    assert "city" in _attributes(especial)
    answer = especial.delete("/lists/1/custom-attributes/city")
    assert answer.json() == {"name": "city", "object": "attribute", "deleted": True}
    assert "city" not in _attributes(especial)
    refused = especial.patch("/lists/1/contacts/1", json={
        "custom_attributes": [{"name": "city", "value": "Paris"}]})
    assert refused.status_code == 400


def test_an_interest_shows_its_usage(especial: httpx.Client) -> None:
    especial.post("/lists/1/interests", json={"name": "music", "alias": "Music"})
    assert especial.get("/lists/1/interests/music").json() == {
        "data": {"name": "music", "alias": "Music", "usage": 0}}
    especial.post("/lists/1/contacts/add-interests", json={"interests": ["music"],
                                                          "contact_ids": [1, 2]})
    assert especial.get("/lists/1/interests/music").json()["data"]["usage"] == 2


def test_add_and_remove_interests_on_many_contacts(especial: httpx.Client) -> None:
    added = especial.post("/lists/1/contacts/add-interests",
                          json={"interests": ["sports"], "fiql": "email==ada@*"})
    assert added.json() == {"object": "interests", "added": True}
    assert "sports" in _contact(especial)["interests"]
    removed = especial.post("/lists/1/contacts/remove-interests",
                            json={"interests": ["sports", "travel"], "contact_ids": [1]})
    assert removed.json() == {"object": "interests", "removed": True}
    assert _contact(especial)["interests"] == []


def test_unknown_interests_or_contacts_change_nothing(especial: httpx.Client) -> None:
    before = _contact(especial)["interests"]
    unknown = especial.post("/lists/1/contacts/add-interests",
                            json={"interests": ["sports", "chess"], "contact_ids": [1]})
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == [{"loc": ["body", "interests", "1"], "type": "bad_request",
                                         "msg": "list 1 has no interest 'chess'"}]
    nobody = especial.post("/lists/1/contacts/add-interests",
                           json={"interests": ["sports"], "contact_ids": [1, 999999]})
    assert nobody.status_code == 400
    assert _contact(especial)["interests"] == before


def test_renaming_and_deleting_an_interest_follow_on_contacts(especial: httpx.Client) -> None:
    assert "travel" in _contact(especial)["interests"]
    renamed = especial.patch("/lists/1/interests/travel", json={"name": "trips"})
    assert renamed.json()["patched"] is True and renamed.json()["data"]["name"] == "trips"
    assert _contact(especial)["interests"] == ["trips"]
    assert especial.get("/lists/1/interests/travel").status_code == 404
    deleted = especial.delete("/lists/1/interests/trips")
    assert deleted.json()["deleted"] is True
    assert _contact(especial)["interests"] == []


def test_each_list_declares_its_own_names(especial: httpx.Client) -> None:
    interest = especial.post("/lists/2/interests", json={"name": "travel", "alias": "Trips"})
    assert interest.status_code == 201, interest.text
    attribute = especial.post("/lists/2/custom-attributes", json={"name": "city",
                                                                  "type": "text"})
    assert attribute.status_code == 201, attribute.text
    assert especial.get("/lists/2/interests/travel").json()["data"]["alias"] == "Trips"
    assert especial.get("/lists/1/interests/travel").json()["data"]["alias"] == "Travel"
    renamed = especial.patch("/lists/2/interests/travel", json={"name": "journeys"})
    assert renamed.status_code == 200, renamed.text
    assert especial.get("/lists/1/interests/travel").status_code == 200
    assert especial.delete("/lists/2/custom-attributes/city").status_code == 200
    assert "city" in _attributes(especial)
    names = [a["name"] for a in especial.get("/lists/1/custom-attributes").json()["data"]]
    assert "city" in names
    assert especial.get("/lists/2/custom-attributes").json()["data"] == []
