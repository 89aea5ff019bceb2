"""Suppressed addresses and wildcards, and the sends they stop."""

from __future__ import annotations

import httpx

from tests.especial.conftest import Clock

EMAIL = {"sender": {"id": "news-desk"}, "content": {"subject": "Hi", "html": "<p>Hi</p>"}}


def test_wildcards_are_read_in_both_spellings(especial: httpx.Client) -> None:
    answer = especial.post("/suppressed-emails", json={"email": "@Spam.example.com"})
    assert answer.status_code == 201
    assert answer.json() == {"email": "*@spam.example.com", "created": True}
    local = especial.post("/suppressed-emails", json={"email": "john@"})
    assert local.json()["email"] == "john@*"
    listed = [e["email"] for e in especial.get("/suppressed-emails").json()["data"]]
    assert {"*@spam.example.com", "john@*"} <= set(listed)


def test_repeats_and_nonsense_are_refused(especial: httpx.Client) -> None:
    again = especial.post("/suppressed-emails", json={"email": "complaints@demo.example.com"})
    assert again.status_code == 400
    nonsense = especial.post("/suppressed-emails", json={"email": "not an address"})
    assert nonsense.status_code == 400
    assert nonsense.json()["detail"][0]["loc"] == ["body", "email"]
    count = especial.get("/suppressed-emails?with_count=true").json()["pagination"]["count"]
    assert count == 2


def test_filter_and_delete(especial: httpx.Client) -> None:
    found = especial.get("/suppressed-emails?filter=email==*@blocked.example.net").json()
    assert [e["email"] for e in found["data"]] == ["*@blocked.example.net"]
    answer = especial.delete("/suppressed-emails/*@blocked.example.net")
    assert answer.json() == {"email": "*@blocked.example.net", "deleted": True}
    assert especial.delete("/suppressed-emails/*@blocked.example.net").status_code == 404
    bad = especial.delete("/suppressed-emails/nothing")
    assert bad.status_code == 422


def test_a_suppressed_address_gets_no_transactional_email(especial: httpx.Client) -> None:
    wildcard = especial.post("/emails", json={**EMAIL, "email": "ann@blocked.example.net"})
    assert wildcard.status_code == 400
    assert wildcard.json()["detail"][0]["msg"] == (
        "ann@blocked.example.net is suppressed; it receives no email")
    exact = especial.post("/emails", json={**EMAIL, "email": "Complaints@demo.example.com"})
    assert exact.status_code == 400
    especial.delete("/suppressed-emails/*@blocked.example.net")
    assert especial.post("/emails", json={**EMAIL, "email": "ann@blocked.example.net"}
                         ).status_code == 201


def test_an_export_is_a_task_whose_csv_lists_the_addresses(especial: httpx.Client,
                                                           clock: Clock) -> None:
    made = especial.post("/reports/suppressed-emails-exports?description=Audit")
    assert made.status_code == 201
    body = made.json()
    assert body["object"] == "task" and body["created"] is True
    assert body["data"]["status"] == "pending" and body["data"]["description"] == "Audit"
    task = especial.get(f"/tasks/{body['id']}").json()["data"]
    assert task["type"] == "suppressedemailsexport"
    early = especial.get(f"/reports/suppressed-emails-exports/{body['id']}/download")
    assert early.status_code == 400
    clock.advance(6)
    shown = especial.get(f"/reports/suppressed-emails-exports/{body['id']}").json()["data"]
    assert shown["status"] == "ready"
    link = especial.get(f"/reports/suppressed-emails-exports/{body['id']}/download").json()
    csv = especial.get(link["data"]["url"])
    assert csv.status_code == 200
    assert csv.text.splitlines() == ["email,source,created_on",
                                     "complaints@demo.example.com,api,1525132800",
                                     "*@blocked.example.net,api,1525132800"]
