"""Fixtures do not move by themselves: a fresh tenant's timed moves follow each record's own
timestamps (not the moment the tenant was created), for every built-in provider, while
records created through the API still move from the moment they were created."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp
from mailtwin.conventions.timestamps import parse_iso
from mailtwin.inprocess import client

# Where each provider's first request goes, and how it authenticates.
FIRST = {
    "emma": ("/emma/100/mailings", {"Authorization": "Basic cHVibGljOnByaXZhdGU="}),
    "outreach": ("/outreach/api/v2/mailings", {"Authorization": "Bearer rest"}),
    "emailicious": ("/emailicious/api/v1/mailings",
                    {"Authorization": "Basic YWNjb3VudDpzZWNyZXQ="}),
    "especial": ("/especial/campaigns", {"Authorization": "Bearer rest"}),
}


@pytest.fixture
def http(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url="http://mailtwin.test") as made:
        yield made


def first_request(http: httpx.Client, provider: str) -> Any:
    path, headers = FIRST[provider]
    response = http.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def advance(http: httpx.Client, **amount: int) -> list[dict[str, Any]]:
    response = http.post("/__mailtwin/clock/advance", json=amount)
    assert response.status_code == 200
    return list(response.json()["moved"])


def jump(http: httpx.Client, moment: str) -> list[dict[str, Any]]:
    response = http.put("/__mailtwin/clock", json={"now": moment})
    assert response.status_code == 200
    return list(response.json()["moved"])


# The one fixture move due in the ten minutes after the test clock's start: Especial's
# campaign 8 started delivering at 12:00:00 (its scheduled_for) and delivers a minute later.
DUE = {"especial": [("campaign", 8, "delivering", "delivered", "2018-09-16T12:01:00Z")]}


@pytest.mark.parametrize("provider", sorted(FIRST))
def test_a_fresh_tenant_moves_only_what_its_own_timestamps_say(http: httpx.Client,
                                                               provider: str) -> None:
    first_request(http, provider)
    moved = advance(http, minutes=10)
    assert [(m["resource"], m["id"], m["from"], m["to"], m["at"]) for m in moved
            if m["provider"] == provider] == DUE.get(provider, [])


def test_a_tenant_created_later_moves_no_sooner(http: httpx.Client) -> None:
    advance(http, hours=5)
    for provider in FIRST:
        first_request(http, provider)
    assert advance(http, minutes=10) == []


def test_a_tenant_made_after_its_moves_were_due_starts_with_them_made_and_no_news(
        http: httpx.Client) -> None:
    jump(http, "2031-06-01T00:00:00Z")
    for provider in FIRST:
        first_request(http, provider)
    assert http.get("/__mailtwin/moves").json() == {"moves": [], "count": 0}
    assert advance(http, minutes=10) == []
    emma_path, emma_headers = FIRST["emma"]
    sending = http.get(f"{emma_path}/202", headers=emma_headers).json()
    assert (sending["mailing_status"], sending["send_finished"]) == ("c", "@D:2018-09-20T09:06:04")
    for mailing in mailings(http).values():
        assert mailing["state"] not in ("scheduled", "queued", "delivering")


def mailings(http: httpx.Client) -> dict[Any, dict[str, Any]]:
    path, headers = FIRST["outreach"]
    document = http.get(path, params={"page[size]": 1000}, headers=headers).json()
    return {item["id"]: item["attributes"] for item in document["data"]}


def test_outreach_mailings_in_flight_send_after_their_scheduled_time(
        http: httpx.Client) -> None:
    before = mailings(http)
    in_flight = {i for i, m in before.items() if m["state"] in ("scheduled", "queued",
                                                                 "delivering")}
    assert {before[i]["state"] for i in in_flight} == {"scheduled", "queued", "delivering"}
    jump(http, "2031-06-01T00:00:00Z")
    after = mailings(http)
    assert sum(after[i]["messageId"] is not None for i in in_flight) > len(in_flight) // 2
    for ident in in_flight:
        scheduled = parse_iso(before[ident]["scheduledAt"])
        assert scheduled is not None
        # Scheduled and queued ones start delivering 30 s past their time and send then; a
        # sample caught delivering is delivered five minutes past it and sends then.
        late = before[ident]["state"] == "delivering"
        sent = scheduled + timedelta(seconds=300 if late else 30)
        got = after[ident]
        if got["state"] == "failed":  # an earlier mailing to its prospect opted them out
            assert got["errorReason"] == "The prospect has opted out of email."
            continue
        assert got["state"] in ("delivered", "opened", "bounced"), got
        assert got["messageId"] is not None
        landed = parse_iso(got["deliveredAt"] or got["bouncedAt"])
        assert landed is not None
        if late and got["deliveredAt"]:
            assert landed == sent
        else:
            assert sent < landed <= sent + timedelta(seconds=120)
    others = set(before) - in_flight
    assert all(after[i] == before[i] for i in others)


def test_every_provider_moves_fixtures_at_the_times_their_data_gives(
        http: httpx.Client) -> None:
    for provider in FIRST:
        first_request(http, provider)
    moved = jump(http, "2031-06-01T00:00:00Z")
    got = {(m["provider"], m["resource"], m["id"], m["from"], m["to"]): m["at"] for m in moved
           if m["provider"] != "outreach"}
    assert got == {
        # Emma: sending since send_started 09:00:04 plus the minute injecting takes; complete
        # five minutes later. The pending one goes at its send_at.
        ("emma", "mailing", 202, "s", "c"): "2018-09-20T09:06:04Z",
        ("emma", "mailing", 203, "s", "c"): "2018-09-20T09:06:04Z",
        ("emma", "mailing", 204, "s", "c"): "2018-09-20T09:06:04Z",
        **pending_emma(moved),
        # Especial: 8 delivers a minute after its scheduled_for, 3 goes at its scheduled_for;
        # 4 is suspended, so it waits.
        ("especial", "campaign", 8, "delivering", "delivered"): "2018-09-16T12:01:00Z",
        ("especial", "campaign", 3, "scheduled", "delivering"): "2018-09-20T12:00:00Z",
        ("especial", "campaign", 3, "delivering", "delivered"): "2018-09-20T12:01:00Z",
        # Emailicious: the delivery scheduled for 2030 is sent then.
        ("emailicious", "delivery", 2, "scheduled", "sent"): "2030-03-20T14:00:00Z",
    }
    assert len(pending_emma(moved)) == 3 * 6


def pending_emma(moved: list[dict[str, Any]]) -> dict[tuple[Any, ...], str]:
    """Emma's pending mailings with a send_at: injecting then, sending a minute later and
    complete five minutes after that."""
    out: dict[tuple[Any, ...], str] = {}
    for m in moved:
        if m["provider"] == "emma" and m["from"] == "p":
            start = datetime.strptime(m["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            for source, target, later in (("p", "i", 0), ("i", "s", 60), ("s", "c", 360)):
                out[("emma", "mailing", m["id"], source, target)] = (
                    start + timedelta(seconds=later)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def test_records_created_through_the_api_move_from_their_creation(http: httpx.Client) -> None:
    advance(http, hours=1)
    path, headers = FIRST["outreach"]
    prospect = http.post(path.replace("mailings", "prospects"), headers=headers, json={
        "data": {"type": "prospect", "attributes": {"emails": ["ann+noengage@example.com"]}}})
    assert prospect.status_code == 201, prospect.text
    body = {"data": {"type": "mailing", "attributes": {
        "subject": "Hi", "bodyText": "Hello", "scheduledAt": "2018-09-16T14:00:00.000Z"},
        "relationships": {
            "prospect": {"data": {"type": "prospect", "id": prospect.json()["data"]["id"]}},
            "mailbox": {"data": {"type": "mailbox", "id": 1}}}}}
    created = http.post(path, json=body, headers=headers)
    assert created.status_code == 201, created.text
    mailing = created.json()["data"]["id"]
    emma_path, emma_headers = FIRST["emma"]
    sent = http.post(f"{emma_path}/200", json={"recipient_emails": ["ann@example.com"]},
                     headers=emma_headers)
    assert sent.status_code == 200, sent.text
    copy = sent.json()["mailing_id"]
    moved = advance(http, hours=2)
    assert [(m["from"], m["to"], m["at"]) for m in moved
            if m["provider"] == "outreach" and m["id"] == mailing] == [
        ("scheduled", "queued", "2018-09-16T14:00:00Z"),
        ("queued", "delivering", "2018-09-16T14:00:30Z")]
    # Its message's delivered event, within 30 s of the send, delivers it.
    delivered = http.get(f"{path}/{mailing}", headers=headers).json()["data"]["attributes"]
    assert delivered["state"] == "delivered"
    assert "2018-09-16T14:00:31" <= delivered["deliveredAt"] <= "2018-09-16T14:01:00.000Z"
    assert [(m["from"], m["to"], m["at"]) for m in moved
            if m["provider"] == "emma" and m["id"] == copy] == [
        ("p", "i", "2018-09-16T13:00:00Z"), ("i", "s", "2018-09-16T13:01:00Z"),
        ("s", "c", "2018-09-16T13:06:00Z")]
