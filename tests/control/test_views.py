"""Read-only views: upcoming timed moves, moves made, one journal entry, records of a tenant."""

from __future__ import annotations

import httpx

from mailtwin import Sandbox

MAILING = {"provider": "emma", "tenant": "public", "resource": "mailing"}


def test_upcoming_lists_the_next_timed_moves_earliest_first(sb: Sandbox, api: httpx.Client,
                                                            control: httpx.Client) -> None:
    assert control.get("/__mailtwin/clock/upcoming").json()["upcoming"] == []
    api.get("/100/mailings/211")
    answer = control.get("/__mailtwin/clock/upcoming", params={"limit": 1000}).json()
    assert answer["now"] == "2018-09-16T12:00:00.000000Z"
    upcoming = answer["upcoming"]
    assert [u["due"] for u in upcoming] == sorted(u["due"] for u in upcoming)
    assert {"due": "2018-09-22T10:30:00.000000Z", "provider": "emma", "tenant": "public",
            "resource": "mailing", "id": 211, "from": "p", "to": "i"} in upcoming
    limited = control.get("/__mailtwin/clock/upcoming", params={"limit": 1}).json()
    assert limited["upcoming"] == upcoming[:1]


def test_upcoming_skips_moves_a_later_change_superseded(sb: Sandbox, api: httpx.Client,
                                                        control: httpx.Client) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    upcoming = control.get("/__mailtwin/clock/upcoming").json()["upcoming"]
    assert [u for u in upcoming if u["id"] == 211] == []


def test_moves_are_kept_with_how_they_were_made(sb: Sandbox, api: httpx.Client,
                                                control: httpx.Client) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    api.put("/100/mailings/211", json={"status": "ready"})
    sb.clock.advance(days=7)
    found = control.get("/__mailtwin/moves", params={**MAILING, "id": "211"}).json()
    assert [(m["from"], m["to"], m["via"]) for m in found["moves"]] == [
        ("p", "a", "request"), ("a", "p", "request"), ("p", "i", "clock"), ("i", "s", "clock"),
        ("s", "c", "clock")]
    last = control.get("/__mailtwin/moves", params={"id": "211", "last": 1}).json()
    assert last["count"] == 1 and last["moves"][0]["to"] == "c"
    control.delete("/__mailtwin/journal")
    assert control.get("/__mailtwin/moves").json() == {"moves": [], "count": 0}


def test_one_journal_entry_by_its_number(sb: Sandbox, api: httpx.Client,
                                         control: httpx.Client) -> None:
    api.get("/100/mailings/200")
    api.put("/100/mailings/211", json={"status": "paused"})
    entry = control.get("/__mailtwin/journal/2").json()
    assert (entry["seq"], entry["method"], entry["body"]) == (2, "PUT", {"status": "paused"})
    assert entry["received"].endswith("Z")
    missing = control.get("/__mailtwin/journal/3")
    assert missing.status_code == 404
    assert missing.json()["problems"][0]["loc"] == ["path", "seq"]
    assert control.get("/__mailtwin/journal/zero").status_code == 404


def test_records_page_and_search(sb: Sandbox, api: httpx.Client, control: httpx.Client) -> None:
    api.get("/100/mailings/200")
    first = control.get("/__mailtwin/records", params={**MAILING, "limit": 2}).json()
    assert (first["id_field"], first["state_field"], first["offset"]) == (
        "mailing_id", "mailing_status", 0)
    assert [r["mailing_id"] for r in first["records"]] == [200, 201]
    assert first["total"] > 2
    second = control.get("/__mailtwin/records", params={**MAILING, "limit": 2, "offset": 2})
    assert [r["mailing_id"] for r in second.json()["records"]] == [202, 203]
    found = control.get("/__mailtwin/records", params={**MAILING, "q": "SAMPLE MAILING"}).json()
    assert found["total"] == len(found["records"]) >= 1
    assert all("sample mailing" in str(r).lower() for r in found["records"])


def test_records_of_unknown_places_are_404_and_create_no_tenant(
        sb: Sandbox, control: httpx.Client) -> None:
    for params, loc in [({**MAILING, "provider": "nope"}, "provider"),
                        ({**MAILING, "resource": "nope"}, "resource"),
                        ({**MAILING, "tenant": "never-seen"}, "tenant")]:
        response = control.get("/__mailtwin/records", params=params)
        assert response.status_code == 404, params
        assert response.json()["problems"][0]["loc"] == ["query", loc]
    assert control.get("/__mailtwin/tenants").json() == {"tenants": []}
    assert control.get("/__mailtwin/records", params={"provider": "emma"}).status_code == 400


def test_a_record_with_its_lifecycle_moves_and_pending_moves(
        sb: Sandbox, api: httpx.Client, control: httpx.Client) -> None:
    api.put("/100/mailings/211", json={"status": "paused"})
    api.put("/100/mailings/211", json={"status": "ready"})
    answer = control.get("/__mailtwin/record", params={**MAILING, "id": "211"}).json()
    assert answer["record"]["mailing_status"] == "p"
    life = answer["lifecycle"]
    assert (life["field"], life["state"], life["initial"]) == ("mailing_status", "p", "p")
    assert life["states"] == ["p", "a", "i", "s", "x", "c", "w", "u", "f"]
    allowed = {a["name"] for a in life["actions"] if a["allowed"]}
    assert allowed == {"cancel", "pause", "resume", "cancel_pending", "archive"}
    archive = next(a for a in life["actions"] if a["name"] == "archive")
    assert archive["from"] is None and archive["to"] is None
    assert any(op.startswith("DELETE /emma/") for op in archive["operations"])
    pause = next(a for a in life["actions"] if a["name"] == "pause")
    assert pause["operations"] == ["PUT /emma/{account_id}/mailings/{mailing_id}"]
    assert {"from": "i", "to": "s", "at": None, "after": 60} in life["timed"]
    assert [(m["from"], m["to"]) for m in answer["moves"]] == [("p", "a"), ("a", "p")]
    assert [(u["to"], u["due"]) for u in answer["upcoming"]] == [
        ("i", "2018-09-22T10:30:00.000000Z")]
    missing = control.get("/__mailtwin/record", params={**MAILING, "id": "99999"})
    assert missing.status_code == 404


def test_a_record_without_a_lifecycle(sb: Sandbox, api: httpx.Client,
                                      control: httpx.Client) -> None:
    api.get("/100/mailings/200")
    members = control.get("/__mailtwin/records", params={**MAILING, "resource": "member"})
    ident = members.json()["records"][0]["member_id"]
    answer = control.get("/__mailtwin/record",
                         params={**MAILING, "resource": "member", "id": str(ident)}).json()
    assert answer["lifecycle"] is None and answer["moves"] == [] and answer["upcoming"] == []
