"""Account tags kept coherent with the tags contacts carry."""

from __future__ import annotations

import httpx


def _contact_tags(especial: httpx.Client, ident: int) -> list[str]:
    tags: list[str] = especial.get(f"/lists/1/contacts/{ident}").json()["data"]["tags"]
    return tags


def test_tags_in_use_on_contacts_are_listed(especial: httpx.Client) -> None:
    especial.post("/lists/1/contacts/1/tag", json={"tags": ["fresh"]})
    answer = especial.get("/tags?with_count=true&per_page=100")
    tags = [t["tag"] for t in answer.json()["data"]]
    assert {"vip", "new", "partner", "fresh"} <= set(tags)
    assert answer.json()["pagination"]["count"] == len(tags)
    assert especial.get("/tags/fresh").json() == {"data": {"tag": "fresh"}}


def test_create_answers_the_documented_shape_and_refuses_repeats(especial: httpx.Client) -> None:
    answer = especial.post("/tags", json={"tag": "summer"})
    assert answer.status_code == 201
    assert answer.json() == {"tag": "summer", "object": "tag", "created": True,
                             "data": {"tag": "summer"}}
    again = especial.post("/tags", json={"tag": "vip"})
    assert again.status_code == 400
    assert again.json()["detail"] == [{"loc": ["body", "tag"], "type": "bad_request",
                                       "msg": "the tag vip already exists"}]


def test_a_tag_name_outside_the_pattern_is_a_422(especial: httpx.Client) -> None:
    answer = especial.post("/tags", json={"tag": "no spaces"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "tag"]


def test_renaming_follows_on_contacts(especial: httpx.Client) -> None:
    assert "vip" in _contact_tags(especial, 1)
    answer = especial.patch("/tags/vip", json={"tag": "gold"})
    assert answer.json() == {"tag": "gold", "object": "tag", "updated": True,
                             "data": {"tag": "gold"}}
    assert "gold" in _contact_tags(especial, 1) and "vip" not in _contact_tags(especial, 1)
    assert especial.get("/tags/vip").status_code == 404
    clash = especial.patch("/tags/gold", json={"tag": "new"})
    assert clash.status_code == 400
    assert "gold" in _contact_tags(especial, 1)


def test_deleting_removes_the_tag_from_contacts(especial: httpx.Client) -> None:
    answer = especial.delete("/tags/vip")
    assert answer.json() == {"tag": "vip", "object": "tag", "deleted": True}
    assert "vip" not in _contact_tags(especial, 1)
    listed = especial.get("/tags?per_page=100").json()["data"]
    assert "vip" not in [t["tag"] for t in listed]
    assert especial.delete("/tags/vip").status_code == 404
