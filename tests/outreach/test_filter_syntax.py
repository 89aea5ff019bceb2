"""`newFilterSyntax=true` as incremental syncs, workflow tools and API clients send it:
operators (`filter[updatedAt][gte]=...`), any-of arrays as repeated bracket keys whose values
are taken whole, plain filters as before, a legacy `..` range refused as the provider refuses
it, and cursor pages that keep every filter."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mailtwin.conventions.timestamps import parse_iso

from .test_listing import follow

SINCE = "2018-01-01T00:00:00.000Z"
UNTIL = "2018-07-01T00:00:00.000Z"


def ids(items: list[dict[str, Any]]) -> list[Any]:
    return [item["id"] for item in items]


def everything(outreach: httpx.Client, path: str) -> list[dict[str, Any]]:
    return follow(outreach, path, {"page[size]": 1000})


def test_an_incremental_sync_reads_records_updated_since_its_cursor(
        outreach: httpx.Client) -> None:
    everyone = everything(outreach, "/prospects")
    cursor = sorted(p["attributes"]["updatedAt"] for p in everyone)[len(everyone) // 2]
    params = {"sort": "updatedAt", "newFilterSyntax": "true",
              "filter[updatedAt][gte]": cursor, "page[size]": 1000}
    response = outreach.get("/prospects", params=params)
    assert response.status_code == 200, response.text
    found = response.json()["data"]
    expected = [p for p in everyone if p["attributes"]["updatedAt"] >= cursor]
    assert found and len(found) < len(everyone)
    assert sorted(ids(found)) == sorted(ids(expected))
    stamps = [item["attributes"]["updatedAt"] for item in found]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize(("operator", "keeps"), [
    ("gte", lambda seen, bound: seen >= bound), ("gt", lambda seen, bound: seen > bound),
    ("lte", lambda seen, bound: seen <= bound), ("lt", lambda seen, bound: seen < bound)])
def test_each_operator_compares_date_times(outreach: httpx.Client, operator: str,
                                           keeps: Any) -> None:
    everyone = everything(outreach, "/sequenceStates")
    bound = everyone[len(everyone) // 2]["attributes"]["createdAt"]
    response = outreach.get("/sequenceStates", params={
        "newFilterSyntax": "true", f"filter[createdAt][{operator}]": bound,
        "page[size]": 1000})
    assert response.status_code == 200, response.text
    expected = [s for s in everyone
                if keeps(parse_iso(s["attributes"]["createdAt"]), parse_iso(bound))]
    assert sorted(ids(response.json()["data"])) == sorted(ids(expected))


def test_a_daily_window_with_both_bounds_and_a_sparse_fieldset(outreach: httpx.Client) -> None:
    """A workflow's read of one day's sequence-state enrollments."""
    everyone = everything(outreach, "/sequenceStates")
    stamps = sorted(s["attributes"]["createdAt"] for s in everyone)
    low, high = stamps[3], stamps[-4]
    query = ("newFilterSyntax=true&filter%5BcreatedAt%5D%5Bgte%5D=" + low
             + "&filter%5BcreatedAt%5D%5Blte%5D=" + high
             + "&fields%5BsequenceState%5D=createdAt,sequence&count=true&page%5Bsize%5D=200")
    response = outreach.get("/sequenceStates?" + query)
    assert response.status_code == 200, response.text
    document = response.json()
    expected = [s for s in everyone if low <= s["attributes"]["createdAt"] <= high]
    assert document["meta"]["count"] == len(expected)
    assert sorted(ids(document["data"])) == sorted(ids(expected))
    first = document["data"][0]
    assert set(first["attributes"]) == {"createdAt"}
    assert set(first["relationships"]) == {"sequence"}


def test_numbers_compare_as_numbers(outreach: httpx.Client) -> None:
    response = outreach.get("/sequences", params={
        "newFilterSyntax": "true", "filter[deliverCount][gte]": "20", "page[size]": 1000})
    assert response.status_code == 200, response.text
    expected = [s for s in everything(outreach, "/sequences")
                if s["attributes"]["deliverCount"] >= 20]
    assert expected and sorted(ids(response.json()["data"])) == sorted(ids(expected))


def test_repeated_bracket_keys_match_any_of_their_values(outreach: httpx.Client) -> None:
    prospects = everything(outreach, "/prospects")
    wanted = [prospects[0]["attributes"]["emails"][0], prospects[5]["attributes"]["emails"][0]]
    query = "newFilterSyntax=true&" + "&".join(f"filter%5Bemails%5D%5B%5D={email}"
                                              for email in wanted)
    response = outreach.get("/prospects?" + query)
    assert response.status_code == 200, response.text
    assert ids(response.json()["data"]) == [prospects[0]["id"], prospects[5]["id"]]


def test_repeated_relationship_ids_match_any_of_them(outreach: httpx.Client) -> None:
    response = outreach.get("/prospects?newFilterSyntax=true"
                            "&filter[stage][id][]=3&filter[stage][id][]=4&page[size]=1000")
    assert response.status_code == 200, response.text
    expected = [p for p in everything(outreach, "/prospects")
                if (p["relationships"]["stage"]["data"] or {}).get("id") in (3, 4)]
    found = response.json()["data"]
    assert expected and sorted(ids(found)) == sorted(ids(expected))


def test_values_with_commas_and_dots_are_taken_whole(outreach: httpx.Client) -> None:
    body = {"data": {"type": "account", "attributes": {"name": "Smith, Jones and Co.. Ltd"}}}
    created = outreach.post("/accounts", json=body)
    assert created.status_code == 201, created.text
    for name in ("filter[name]", "filter[name][]"):
        response = outreach.get("/accounts", params={"newFilterSyntax": "true",
                                                     name: "Smith, Jones and Co.. Ltd"})
        assert response.status_code == 200, response.text
        assert ids(response.json()["data"]) == [created.json()["data"]["id"]]


def test_plain_filters_still_work(outreach: httpx.Client) -> None:
    prospect = everything(outreach, "/prospects")[7]
    owner = prospect["relationships"]["owner"]["data"]["id"]
    email = prospect["attributes"]["emails"][0]
    by_owner = outreach.get("/prospects", params={"newFilterSyntax": "true",
                                                  "filter[owner][id]": owner,
                                                  "page[size]": 1000})
    by_email = outreach.get("/prospects", params={"newFilterSyntax": "true",
                                                  "filter[emails]": email})
    legacy = outreach.get("/prospects", params={"filter[owner][id]": owner, "page[size]": 1000})
    assert by_owner.status_code == by_email.status_code == 200
    assert ids(by_owner.json()["data"]) == ids(legacy.json()["data"])
    assert prospect["id"] in ids(by_owner.json()["data"])
    assert ids(by_email.json()["data"]) == [prospect["id"]]


def test_a_legacy_range_with_the_new_syntax_is_an_invalid_date_time(
        outreach: httpx.Client) -> None:
    response = outreach.get("/sequenceStates", params={
        "newFilterSyntax": "true", "filter[createdAt]": "2018-07-18..2018-08-01"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/vnd.api+json")
    (error,) = response.json()["errors"]
    assert error["id"] == "filterParameter.invalidDatetimeFormat"
    assert error["source"] == {"parameter": "filter[createdAt]"}
    operator = outreach.get("/sequenceStates", params={
        "newFilterSyntax": "true", "filter[createdAt][gte]": "yesterday"})
    assert operator.status_code == 400
    assert operator.json()["errors"][0]["id"] == "filterParameter.invalidDatetimeFormat"


def test_an_unknown_operator_or_attribute_is_a_400(outreach: httpx.Client) -> None:
    for name in ("filter[updatedAt][near]", "filter[nothing][gte]", "filter[stage][name]"):
        response = outreach.get("/prospects", params={"newFilterSyntax": "true",
                                                      name: SINCE})
        assert response.status_code == 400, name
        assert response.json()["errors"][0]["source"] == {"parameter": name}


def test_without_the_flag_the_legacy_syntax_is_unchanged(outreach: httpx.Client) -> None:
    legacy = outreach.get("/prospects", params={
        "filter[updatedAt]": f"{SINCE}..inf", "page[size]": 1000})
    new = outreach.get("/prospects", params={
        "newFilterSyntax": "true", "filter[updatedAt][gte]": SINCE, "page[size]": 1000})
    assert legacy.status_code == new.status_code == 200
    assert ids(legacy.json()["data"]) == ids(new.json()["data"])
    operator = outreach.get("/prospects", params={"filter[updatedAt][gte]": SINCE})
    assert operator.status_code == 400
    states = outreach.get("/sequenceStates", params={"filter[state]": "active,paused",
                                                     "page[size]": 1000})
    assert states.status_code == 200
    assert {s["attributes"]["state"] for s in states.json()["data"]} == {"active", "paused"}


@pytest.mark.parametrize("reappend", [False, True])
def test_cursor_pages_keep_every_filter(outreach: httpx.Client, reappend: bool) -> None:
    params = {"sort": "updatedAt", "newFilterSyntax": "true",
              "filter[updatedAt][gte]": SINCE, "filter[updatedAt][lt]": UNTIL,
              "page[size]": 3}
    paged = follow(outreach, "/prospects", params, reappend)
    whole = outreach.get("/prospects", params={**params, "page[size]": 1000}).json()["data"]
    assert len(whole) > 3
    assert ids(paged) == ids(whole)


@pytest.mark.parametrize("reappend", [False, True])
def test_cursor_pages_keep_repeated_bracket_keys(outreach: httpx.Client,
                                                 reappend: bool) -> None:
    params = [("newFilterSyntax", "true"), ("filter[stage][id][]", "3"),
              ("filter[stage][id][]", "4"), ("page[size]", "2")]
    response = outreach.get("/prospects", params=params)
    paged: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        paged.extend(response.json()["data"])
        following = response.json()["links"].get("next")
        if following is None:
            break
        assert following.count("filter%5Bstage%5D%5Bid%5D%5B%5D=") == 2
        if reappend:
            following += "&" + str(httpx.QueryParams(params))
        response = outreach.get(following)
    whole = outreach.get("/prospects", params=[*params[:3], ("page[size]", "1000")])
    assert len(paged) > 2
    assert ids(paged) == ids(whole.json()["data"])
