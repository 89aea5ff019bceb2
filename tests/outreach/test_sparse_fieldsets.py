"""Sparse fieldsets: `fields[TYPE]=a,b` limits a resource object's attributes and
relationships to those named; `type`, `id` and `links` stay. Answers without it stay the
cached whole objects."""

from __future__ import annotations

import httpx


def test_a_list_shows_only_the_fields_asked_for(outreach: httpx.Client) -> None:
    response = outreach.get("/prospects?fields[prospect]=firstName,lastName&page[size]=5")
    assert response.status_code == 200, response.text
    for item in response.json()["data"]:
        assert set(item) == {"type", "id", "attributes", "relationships", "links"}
        assert set(item["attributes"]) == {"firstName", "lastName"}
        assert item["relationships"] == {}
        assert item["links"]["self"].endswith(f"/prospects/{item['id']}")


def test_attributes_and_relationships_alike(outreach: httpx.Client) -> None:
    response = outreach.get("/sequenceStates?fields[sequenceState]=createdAt,sequence")
    assert response.status_code == 200, response.text
    item = response.json()["data"][0]
    assert set(item["attributes"]) == {"createdAt"}
    assert set(item["relationships"]) == {"sequence"}
    assert item["relationships"]["sequence"]["data"]["type"] == "sequence"


def test_one_record_and_other_types(outreach: httpx.Client) -> None:
    one = outreach.get("/templates/1", params={"fields[template]": "name,owner"})
    assert one.status_code == 200, one.text
    data = one.json()["data"]
    assert (data["type"], data["id"]) == ("template", 1)
    assert set(data["attributes"]) == {"name"} and set(data["relationships"]) == {"owner"}
    other = outreach.get("/templates/1", params={"fields[user]": "email"})
    assert set(other.json()["data"]["attributes"]) > {"name", "subject", "createdAt"}


def test_unknown_names_are_left_out_and_an_empty_set_shows_none(outreach: httpx.Client) -> None:
    some = outreach.get("/stages", params={"fields[stage]": "name,nothing"})
    none = outreach.get("/stages", params={"fields[stage]": ""})
    assert some.status_code == none.status_code == 200
    assert set(some.json()["data"][0]["attributes"]) == {"name"}
    assert none.json()["data"][0]["attributes"] == {}
    assert none.json()["data"][0]["relationships"] == {}


def test_a_fieldset_does_not_change_the_answers_without_one(outreach: httpx.Client) -> None:
    before = outreach.get("/prospects?page[size]=3").json()
    sparse = outreach.get("/prospects?page[size]=3&fields[prospect]=firstName").json()
    after = outreach.get("/prospects?page[size]=3").json()
    assert before == after
    assert set(sparse["data"][0]["attributes"]) == {"firstName"}
    assert len(before["data"][0]["attributes"]) > 100
    one = outreach.get("/prospects/1").json()
    assert len(outreach.get("/prospects/1?fields[prospect]=title").json()["data"][
        "attributes"]) == 1
    assert outreach.get("/prospects/1").json() == one
