"""Cursor pages while the list changes: records that stay as they were are answered exactly
once, a changed record at most once at each place it held, and cursors are opaque texts a
list refuses when another list or order gave them out."""

from __future__ import annotations

import base64
import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp

Page = list[dict[str, Any]]
Change = Callable[[list[Page]], None]


def rename(outreach: httpx.Client, sandbox: MailtwinApp, ident: Any, name: str) -> None:
    """Change a template (its updatedAt becomes the clock's time, a second later than before)."""
    sandbox.runtime.clock.advance(timedelta(seconds=1))
    body = {"data": {"type": "template", "id": str(ident), "attributes": {"name": name}}}
    assert outreach.patch(f"/templates/{ident}", json=body).status_code == 200


def pages(outreach: httpx.Client, params: dict[str, Any], between: Change,
          reappend: bool = False) -> list[Page]:
    """Every page of a list by links.next, calling `between(pages so far)` after each."""
    response = outreach.get("/templates", params=params)
    answered: list[Page] = []
    while True:
        assert response.status_code == 200, response.text
        document = response.json()
        answered.append(document["data"])
        assert len(answered) < 1000
        between(answered)
        following = document["links"].get("next")
        if following is None:
            return answered
        if reappend:
            following += "&" + str(httpx.QueryParams(params))
        response = outreach.get(following)


def every_template(outreach: httpx.Client) -> list[dict[str, Any]]:
    return list(outreach.get("/templates", params={"page[size]": 1000}).json()["data"])


@pytest.mark.parametrize("reappend", [False, True])
def test_a_template_updated_while_paging_by_updated_at_comes_again_at_its_new_place(
        outreach: httpx.Client, sandbox: MailtwinApp, reappend: bool) -> None:
    params = {"page[size]": 7, "sort": "updatedAt"}
    before = {t["id"] for t in every_template(outreach)}
    first: list[Any] = []

    def update_one_already_answered(so_far: list[Page]) -> None:
        if len(so_far) == 1:
            first.append(so_far[0][2]["id"])
            rename(outreach, sandbox, first[0], "Moved to the end")

    answered = pages(outreach, params, update_one_already_answered, reappend)
    seen = Counter(item["id"] for page in answered for item in page)
    assert set(seen) == before
    assert {ident for ident, times in seen.items() if times != 1} == {first[0]}
    assert seen[first[0]] == 2
    last = answered[-1][-1]
    assert last["id"] == first[0]
    assert last["attributes"]["name"] == "Moved to the end"


def test_an_update_that_moves_a_template_to_pages_already_answered_skips_only_it(
        outreach: httpx.Client, sandbox: MailtwinApp) -> None:
    ordered = [t["id"] for t in outreach.get("/templates", params={
        "page[size]": 1000, "sort": "-updatedAt"}).json()["data"]]
    ahead = ordered[-1]

    def update_one_still_ahead(so_far: list[Page]) -> None:
        if len(so_far) == 1:
            rename(outreach, sandbox, ahead, "Newest now")

    answered = pages(outreach, {"page[size]": 7, "sort": "-updatedAt"}, update_one_still_ahead)
    seen = Counter(item["id"] for page in answered for item in page)
    assert set(ordered) - set(seen) == {ahead}
    assert set(seen.values()) == {1}


def test_deleting_and_creating_while_paging_skips_and_repeats_nothing_else(
        outreach: httpx.Client, sandbox: MailtwinApp) -> None:
    ordered = [t["id"] for t in every_template(outreach)]
    created: list[Any] = []

    def delete_answered_and_create(so_far: list[Page]) -> None:
        if len(so_far) == 2:
            for ident in ordered[:5]:
                assert outreach.delete(f"/templates/{ident}").status_code == 204
            body = {"data": {"type": "template", "attributes": {"name": "Arrived late"}}}
            created.append(outreach.post("/templates", json=body).json()["data"]["id"])

    answered = pages(outreach, {"page[size]": 10}, delete_answered_and_create)
    ids = [item["id"] for page in answered for item in page]
    assert ids == [*ordered, *created]


@pytest.mark.parametrize("seed", range(12))
def test_random_changes_while_paging_keep_the_guarantee(
        outreach: httpx.Client, sandbox: MailtwinApp, seed: int) -> None:
    rng = random.Random(seed)
    sort = rng.choice([None, "updatedAt", "-updatedAt", "name", "-name,updatedAt", "-id"])
    params: dict[str, Any] = {"page[size]": rng.choice([1, 3, 7, 16])}
    if sort:
        params["sort"] = sort
    start = {t["id"] for t in every_template(outreach)}
    changed: Counter[Any] = Counter()
    gone: set[Any] = set()

    def change_some(so_far: list[Page]) -> None:
        alive = sorted(start - gone)
        # Only on the first pages: a client sorting by updatedAt would chase endless changes.
        for _ in range(rng.randint(0, 3) if len(so_far) <= 12 else 0):
            ident = rng.choice(alive)
            if rng.random() < 0.2:
                assert outreach.delete(f"/templates/{ident}").status_code == 204
                gone.add(ident)
                alive.remove(ident)
            else:
                rename(outreach, sandbox, ident, rng.choice(["Aa", "Mm", "Zz", f"N{len(so_far)}"]))
                changed[ident] += 1

    answered = pages(outreach, params, change_some, reappend=rng.random() < 0.5)
    seen = Counter(item["id"] for page in answered for item in page if item["id"] in start)
    for ident in start - gone - set(changed):
        assert seen[ident] == 1, (ident, sort)
    for ident, times in changed.items():
        assert seen[ident] <= 1 + times, (ident, sort)


def test_prev_links_go_back_over_the_same_pages(outreach: httpx.Client) -> None:
    params = {"page[size]": 9, "sort": "-name,updatedAt"}
    forward: list[dict[str, Any]] = []
    response = outreach.get("/templates", params=params)
    while True:
        forward.append(response.json())
        following = forward[-1]["links"].get("next")
        if following is None:
            break
        response = outreach.get(following + "&" + str(httpx.QueryParams(params)))
    assert "prev" not in forward[0]["links"]
    for earlier, later in pairwise(forward):
        back = outreach.get(later["links"]["prev"]).json()
        assert [i["id"] for i in back["data"]] == [i["id"] for i in earlier["data"]]
        assert ("prev" in back["links"]) == ("prev" in earlier["links"])
        assert "next" in back["links"]


def cursor_of(link: str) -> str:
    return str(httpx.URL(link).params["page[after]"])


def test_a_cursor_is_opaque_base64url_json(outreach: httpx.Client) -> None:
    link = outreach.get("/templates", params={"page[size]": 2, "sort": "-updatedAt"}
                        ).json()["links"]["next"]
    text = cursor_of(link)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    assert payload["r"] == "template"
    assert payload["o"] == [["updatedAt", True]]


def foreign(text: str, **changes: Any) -> str:
    payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    payload.update(changes)
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("path, params, make, detail", [
    ("/templates", {"sort": "name"}, lambda t: t,
     "page[after] is a cursor of another list or sort order; follow the links of this list"),
    ("/mailings", {"sort": "-updatedAt"}, lambda t: t,
     "page[after] is a cursor of another list or sort order; follow the links of this list"),
    ("/templates", {"sort": "-updatedAt"}, lambda t: foreign(t, k=[[2, "x"], [1, 2]]),
     "page[after] is not a cursor this server gave out"),
    ("/templates", {"sort": "-updatedAt"}, lambda t: foreign(t, p=-1),
     "page[after] is not a cursor this server gave out"),
    ("/templates", {"sort": "-updatedAt"}, lambda t: foreign(t, k=[[1, "x"]]),
     "page[after] is not a cursor this server gave out"),
    ("/templates", {"sort": "-updatedAt"}, lambda t: t[:-3],
     "page[after] is not a cursor this server gave out"),
    ("/templates", {"sort": "-updatedAt"}, lambda t: "bm90IGpzb24",
     "page[after] is not a cursor this server gave out"),
    ("/templates", {"sort": "-updatedAt"}, lambda t: "MTc",
     "page[after] is not a cursor this server gave out"),
])
def test_a_foreign_or_broken_cursor_is_a_jsonapi_400(
        outreach: httpx.Client, path: str, params: dict[str, Any], make: Callable[[str], str],
        detail: str) -> None:
    link = outreach.get("/templates", params={"page[size]": 2, "sort": "-updatedAt"}
                        ).json()["links"]["next"]
    response = outreach.get(path, params={**params, "page[after]": make(cursor_of(link))})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/vnd.api+json"
    error = response.json()["errors"][0]
    assert error["title"] == "Bad Request"
    assert error["source"] == {"parameter": "page[after]"}
    assert error["detail"] == detail
