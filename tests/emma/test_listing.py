"""List conventions real Emma clients rely on: filters, flags, paging and counting."""

from __future__ import annotations

import httpx
import pytest


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [m["mailing_id"] for m in response.json()]


def test_default_list_is_standard_and_test_mailings_newest_first(emma: httpx.Client) -> None:
    listed = emma.get("/100/mailings?end=500").json()
    assert {m["mailing_type"] for m in listed} == {"m", "t"}
    assert [m["mailing_id"] for m in listed] == sorted((m["mailing_id"] for m in listed),
                                                       reverse=True)
    assert "x" not in {m["mailing_status"] for m in listed}
    assert "html_body" not in listed[0]


def test_repeated_parameters_work_like_comma_lists(emma: httpx.Client) -> None:
    commas = ids(emma.get("/100/mailings?mailing_statuses=p,c&mailing_types=m,t"))
    repeated = ids(emma.get("/100/mailings?mailing_statuses=p&mailing_statuses=c"
                            "&mailing_types=m&mailing_types=t"))
    assert commas == repeated
    assert commas


def test_split_tests_are_listed_when_asked_for(emma: httpx.Client) -> None:
    assert ids(emma.get("/100/mailings?mailing_types=s")) == [204, 203, 202]


def test_start_and_end_page_through_the_list(emma: httpx.Client) -> None:
    everything = ids(emma.get("/100/mailings?end=500"))
    pages = [ids(emma.get(f"/100/mailings?start={s}&end={s + 10}"))
             for s in range(0, len(everything), 10)]
    assert [i for page in pages for i in page] == everything
    assert emma.get("/100/mailings?count=true").json() == len(everything)


def test_pages_hold_at_most_500(emma: httpx.Client) -> None:
    assert len(emma.get("/100/mailings?start=0&end=5000").json()) <= 500


@pytest.mark.parametrize("query", ["start=-1", "end=abc", "start=10&end=5"])
def test_bad_paging_is_400(emma: httpx.Client, query: str) -> None:
    assert emma.get(f"/100/mailings?{query}").status_code == 400


def test_is_scheduled_keeps_mailings_with_a_send_time(emma: httpx.Client) -> None:
    scheduled = emma.get("/100/mailings?is_scheduled=true&end=500").json()
    assert scheduled and all(m["send_at"] for m in scheduled)
    unscheduled = emma.get("/100/mailings?is_scheduled=false&end=500").json()
    assert unscheduled and not any(m["send_at"] for m in unscheduled)


def test_content_flags_add_the_bodies(emma: httpx.Client) -> None:
    listed = emma.get("/100/mailings?with_html_body=true&with_plaintext=1").json()
    assert all("html_body" in m and "plaintext" in m for m in listed)


def test_segment_names_only_when_asked(emma: httpx.Client) -> None:
    new_id = emma.post("/100/mailings/200", json={"recipient_segments": [7]}).json()["mailing_id"]
    assert emma.get(f"/100/mailings/{new_id}").json()["recipient_segments"] == [7]
    named = emma.get(f"/100/mailings/{new_id}?include_segment_names=true").json()
    assert named["recipient_segments"] == [{"segment_id": 7, "name": "Segment 7"}]


def test_json_without_content_type_is_accepted(emma: httpx.Client) -> None:
    response = emma.put("/100/mailings/211", content=b'{"status": "paused"}')
    assert response.status_code == 200
    assert response.json() == "a"


def test_head_answers_like_get_without_a_body(emma: httpx.Client) -> None:
    response = emma.head("/100/mailings/200")
    assert response.status_code == 200
    assert response.content == b""
