"""The clock endpoints: read, set, advance (firing timed moves in order, once), freeze."""

from __future__ import annotations

import httpx
import pytest

from mailtwin import Sandbox


def test_clock_reads_the_frozen_moment(control: httpx.Client) -> None:
    response = control.get("/__mailtwin/clock")
    assert response.status_code == 200
    assert response.json() == {"now": "2018-09-16T12:00:00.000000Z", "frozen": True,
                               "offset_seconds": response.json()["offset_seconds"]}


def test_set_jumps_and_stays_frozen(control: httpx.Client) -> None:
    response = control.put("/__mailtwin/clock", json={"now": "2027-03-04T05:06:07Z"})
    assert response.status_code == 200
    assert response.json()["now"] == "2027-03-04T05:06:07.000000Z"
    assert response.json()["frozen"] is True
    assert response.json()["moved"] == []


@pytest.mark.parametrize("body", [{"seconds": 5400}, {"duration": "PT1H30M"},
                                  {"hours": 1, "minutes": 30}, {"duration": "PT5400S"}])
def test_advance_by_seconds_or_iso_duration(control: httpx.Client, body: dict[str, object]
                                            ) -> None:
    response = control.post("/__mailtwin/clock/advance", json=body)
    assert response.status_code == 200
    assert response.json()["now"] == "2018-09-16T13:30:00.000000Z"
    assert response.json()["advanced_seconds"] == 5400


def test_advance_fires_timed_moves_in_time_order_exactly_once(sb: Sandbox,
                                                             api: httpx.Client) -> None:
    created = api.post("/100/mailings/200", json={"recipient_emails": ["ann@example.com"]})
    assert created.status_code == 200
    ident = created.json()["mailing_id"]
    moved = sb.clock.advance(hours=2)
    mine = [(m["from"], m["to"], m["at"]) for m in moved if m["id"] == ident]
    assert mine == [("p", "i", "2018-09-16T12:00:00Z"), ("i", "s", "2018-09-16T12:01:00Z"),
                    ("s", "c", "2018-09-16T12:06:00Z")]
    assert [m["at"] for m in moved] == sorted(m["at"] for m in moved)
    assert api.get(f"/100/mailings/{ident}").json()["mailing_status"] == "c"
    assert sb.clock.advance("PT2H") == []


def test_a_move_due_later_waits_for_its_time(sb: Sandbox, api: httpx.Client) -> None:
    sb.clock.set("2018-09-22T10:00:00Z")
    assert api.get("/100/mailings/211").json()["mailing_status"] == "p"
    early = sb.clock.advance(minutes=29)
    assert [m for m in early if m["id"] == 211] == []
    moved = sb.clock.advance(minutes=1)
    assert [(m["id"], m["from"], m["to"], m["at"]) for m in moved] == [
        (211, "p", "i", "2018-09-22T10:30:00Z")]


def test_freeze_and_unfreeze(control: httpx.Client) -> None:
    running = control.post("/__mailtwin/clock/unfreeze")
    assert running.status_code == 200
    assert running.json()["frozen"] is False
    frozen = control.post("/__mailtwin/clock/freeze")
    assert frozen.status_code == 200
    assert frozen.json()["frozen"] is True


@pytest.mark.parametrize(("body", "where"), [
    ({"duration": "1 hour"}, ["body", "duration"]),
    ({"seconds": -1}, ["body", "seconds"]),
    ({"weeks": 1}, ["body", "weeks"]),
    ({}, ["body"]),
])
def test_bad_advance_is_refused_and_changes_nothing(control: httpx.Client,
                                                   body: dict[str, object],
                                                   where: list[str]) -> None:
    response = control.post("/__mailtwin/clock/advance", json=body)
    assert response.status_code == 400
    assert response.json()["problems"][0]["loc"] == where
    assert response.json()["error"]
    assert control.get("/__mailtwin/clock").json()["now"] == "2018-09-16T12:00:00.000000Z"


def test_set_needs_an_iso_moment(control: httpx.Client) -> None:
    response = control.put("/__mailtwin/clock", json={"now": "tomorrow"})
    assert response.status_code == 400
    assert response.json()["problems"][0]["loc"] == ["body", "now"]
