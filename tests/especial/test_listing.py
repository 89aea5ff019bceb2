"""Pages, counts, filters and sorting of Especial lists."""

from __future__ import annotations

import httpx
import pytest


def test_pages_follow_page_and_per_page(especial: httpx.Client) -> None:
    first = especial.get("/lists/1/contacts?per_page=100").json()
    second = especial.get("/lists/1/contacts?per_page=100&page=2").json()
    assert first["pagination"]["page"] == 1 and first["pagination"]["per_page"] == 100
    assert len(first["data"]) == 100 and len(second["data"]) == 100
    assert first["data"][-1]["id"] < second["data"][0]["id"]


@pytest.mark.parametrize("flag", ["true", "True", "1"])
def test_with_count_adds_the_total(especial: httpx.Client, flag: str) -> None:
    body = especial.get(f"/campaigns?per_page=5&with_count={flag}").json()
    assert body["pagination"] == {"page": 1, "per_page": 5, "count": 48}
    contacts = especial.get(f"/lists/1/contacts?per_page=5&with_count={flag}").json()
    assert contacts["pagination"]["count"] == 241


def test_a_bad_page_is_a_422_naming_the_parameter(especial: httpx.Client) -> None:
    answer = especial.get("/campaigns?page=0&per_page=x")
    assert answer.status_code == 422
    assert sorted(item["loc"] for item in answer.json()["detail"]) == [
        ["query", "page"], ["query", "per_page"]]


def test_filter_joins_terms_with_semicolons(especial: httpx.Client) -> None:
    body = especial.get("/campaigns?filter=status==scheduled;name==September sale").json()
    assert [c["id"] for c in body["data"]] == [3]
    by_list = especial.get("/campaigns?filter=list_id==1&per_page=100").json()["data"]
    assert by_list and all(c["audience"]["list_id"] == 1 for c in by_list)


def test_a_filter_term_that_is_not_documented_is_a_400(especial: httpx.Client) -> None:
    answer = especial.get("/campaigns?filter=subject==x")
    assert answer.status_code == 400
    [item] = answer.json()["detail"]
    assert item["loc"] == ["query", "filter"]
    assert "'subject'" in item["msg"] and "status, name, type, list_id" in item["msg"]


def test_an_operator_that_is_not_documented_is_a_400(especial: httpx.Client) -> None:
    answer = especial.get("/campaigns?filter=status!=scheduled")
    assert answer.status_code == 400
    assert "'!='" in answer.json()["detail"][0]["msg"]


def test_sort_descending_and_ascending(especial: httpx.Client) -> None:
    down = especial.get("/campaigns?sort=-created_on&per_page=100").json()["data"]
    stamps = [c["created_on"] for c in down]
    assert stamps == sorted(stamps, reverse=True)
    up = especial.get("/campaigns?sort=%2Bname&per_page=100").json()["data"]
    names = [c["name"] for c in up]
    assert names == sorted(names)


def test_a_sort_term_that_is_not_documented_is_a_400(especial: httpx.Client) -> None:
    answer = especial.get("/campaigns?sort=-status")
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["query", "sort"]
    assert "'status'" in answer.json()["detail"][0]["msg"]


def test_lists_under_an_unknown_parent_are_404(especial: httpx.Client) -> None:
    assert especial.get("/lists/999/contacts").status_code == 404
    assert especial.get("/lists/999/segments").status_code == 404


def test_cursors_walk_the_pages_where_documented(especial: httpx.Client) -> None:
    first = especial.get("/lists/1/contacts?per_page=100").json()
    assert "previous" not in first["pagination"]["cursor"]
    second = especial.get(f"/lists/1/contacts?per_page=100&cursor="
                          f"{first['pagination']['cursor']['next']}").json()
    paged = especial.get("/lists/1/contacts?per_page=100&page=2").json()
    assert second["data"] == paged["data"]
    last = especial.get(f"/lists/1/contacts?per_page=100&cursor="
                        f"{second['pagination']['cursor']['next']}").json()
    assert len(last["data"]) == 41 and "next" not in last["pagination"]["cursor"]
    assert "cursor" not in especial.get("/campaigns").json()["pagination"]


def test_an_unreadable_cursor_is_a_400(especial: httpx.Client) -> None:
    answer = especial.get("/lists/1/contacts?cursor=%%%")
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["query", "cursor"]
