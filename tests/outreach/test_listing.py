"""Lists: cursor pages followed to the end through absolute links, sorting, attribute,
range and relationship filters, and the 400s for parameters a list cannot take."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from mailtwin.conventions.timestamps import parse_iso


def follow(outreach: httpx.Client, path: str, params: dict[str, Any],
           reappend: bool = False) -> list[dict[str, Any]]:
    """Every item of a list, following links.next (optionally re-appending our parameters)."""
    response = outreach.get(path, params=params)
    items: list[dict[str, Any]] = []
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        document = response.json()
        items.extend(document["data"])
        pages += 1
        assert pages < 100
        following = document["links"].get("next")
        if following is None:
            return items
        assert following.startswith("http://mailtwin.test/outreach/api/v2/")
        if reappend:
            following += "&" + str(httpx.QueryParams(params))
        response = outreach.get(following)


@pytest.mark.parametrize("reappend", [False, True])
def test_paging_to_the_end_sorted_and_filtered(outreach: httpx.Client, reappend: bool) -> None:
    params = {"page[size]": 7, "sort": "updatedAt",
              "filter[updatedAt]": "2018-08-20T00:00:00Z..inf"}
    items = follow(outreach, "/mailings", params, reappend)
    total = outreach.get("/mailings", params=params).json()["meta"]["count"]
    assert len(items) == total > 20
    assert len({item["id"] for item in items}) == total
    stamps = [parse_iso(item["attributes"]["updatedAt"]) for item in items]
    assert all(s is not None and s.isoformat() >= "2018-08-20" for s in stamps)
    assert stamps == sorted(stamps)  # type: ignore[type-var]


def test_every_mailing_and_template_by_default_page_size(outreach: httpx.Client) -> None:
    mailings = follow(outreach, "/mailings", {})
    assert len(mailings) == 160
    templates = follow(outreach, "/templates", {"sort": "-updatedAt"})
    assert len(templates) == 80


def test_links_of_a_middle_page(outreach: httpx.Client) -> None:
    first = outreach.get("/templates", params={"page[size]": 30}).json()
    assert set(first["links"]) == {"first", "next"}
    second = outreach.get(first["links"]["next"]).json()
    assert set(second["links"]) == {"first", "prev", "next"}
    query = dict(parse_qsl(urlsplit(second["links"]["first"]).query))
    assert query == {"page[size]": "30"}
    back = outreach.get(second["links"]["prev"]).json()
    assert [i["id"] for i in back["data"]] == [i["id"] for i in first["data"]]
    last = outreach.get(second["links"]["next"]).json()
    assert len(last["data"]) == 20
    assert "next" not in last["links"]


def test_default_page_is_50_and_count_false_leaves_out_the_count(outreach: httpx.Client) -> None:
    document = outreach.get("/mailings").json()
    assert len(document["data"]) == 50
    assert document["meta"] == {"count": 160, "count_truncated": False}
    quiet = outreach.get("/mailings", params={"count": "false"}).json()
    assert "meta" not in quiet
    assert len(quiet["data"]) == 50


def test_page_size_up_to_1000(outreach: httpx.Client) -> None:
    document = outreach.get("/mailings", params={"page[size]": 1000}).json()
    assert len(document["data"]) == 160
    assert "next" not in document["links"]


def test_sort_by_several_attributes(outreach: httpx.Client) -> None:
    items = follow(outreach, "/mailings", {"sort": "state,-id", "page[size]": 1000})
    keys = [(i["attributes"]["state"], -i["id"]) for i in items]
    assert keys == sorted(keys)


def test_filter_by_attribute_values(outreach: httpx.Client) -> None:
    items = follow(outreach, "/mailings", {"filter[state]": "bounced,failed"})
    assert items
    assert {i["attributes"]["state"] for i in items} == {"bounced", "failed"}
    shared = follow(outreach, "/templates", {"filter[shareType]": "read_only"})
    assert shared
    assert all(i["attributes"]["shareType"] == "read_only" for i in shared)


def test_range_with_neginf_and_ids(outreach: httpx.Client) -> None:
    early = follow(outreach, "/mailings", {"filter[createdAt]": "neginf..2018-02-01T00:00:00Z"})
    assert early
    assert all(i["attributes"]["createdAt"] <= "2018-02-01" for i in early)
    ids = follow(outreach, "/mailings", {"filter[id]": "5..9"})
    assert [i["id"] for i in ids] == [5, 6, 7, 8, 9]


def test_relationship_filter(outreach: httpx.Client) -> None:
    items = follow(outreach, "/mailings", {"filter[template][id]": "1"})
    assert items
    assert all(i["relationships"]["template"]["data"]["id"] == 1 for i in items)
    owned = follow(outreach, "/templates", {"filter[owner][id]": "1"})
    assert owned
    assert all(i["relationships"]["owner"]["data"]["id"] == 1 for i in owned)


def test_sort_on_an_unknown_attribute_is_400(outreach: httpx.Client) -> None:
    response = outreach.get("/templates", params={"sort": "name,-colour"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["source"] == {"parameter": "sort"}
    assert error["detail"].startswith('"name,-colour" does not match "^[-+]?(id|archived|')


@pytest.mark.parametrize("path, params, source, detail", [
    ("/mailings", {"filter[recipients][id]": "1"}, "filter[recipients][id]",
     "Relationship recipients cannot be used as a filter."),
    ("/mailings", {"filter[tasks][id]": "1"}, "filter[tasks][id]",
     "Relationship tasks cannot be used as a filter."),
    ("/templates", {"filter[sequenceTemplates][id]": "1"}, "filter[sequenceTemplates][id]",
     "Relationship sequenceTemplates cannot be used as a filter."),
    ("/mailings", {"filter[template][name]": "x"}, "filter[template][name]",
     "You can use only the attribute id to filter by template (filter[template][id]=X)."),
    ("/mailings", {"filter[colour]": "red"}, "filter[colour]",
     "'colour' is not an attribute this list can filter on"),
    ("/mailings", {"filter[updatedAt]": "2018-13-45T00:00:00Z..inf"}, "filter[updatedAt]",
     "'2018-13-45T00:00:00Z' is not a valid date-time"),
    ("/mailings", {"page[size]": 1001}, "page[size]", "1001 is greater than the maximum of 1000"),
    ("/mailings", {"page[size]": 0}, "page[size]", "0 is less than the minimum of 1"),
    ("/mailings", {"page[after]": "not-a-cursor"}, "page[after]",
     "page[after] is not a cursor this server gave out"),
    ("/mailings", {"page[before]": "12+3="}, "page[before]",
     '"12+3=" does not match "^[A-Za-z0-9_-]+$"'),
    ("/templates", {"count": "maybe"}, "count", '"maybe" is not of type "boolean"'),
])
def test_bad_list_parameters_are_400(outreach: httpx.Client, path: str, params: dict[str, Any],
                                     source: str, detail: str) -> None:
    response = outreach.get(path, params=params)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["title"] == "Bad Request"
    assert error["source"] == {"parameter": source}
    assert error["detail"] == detail
