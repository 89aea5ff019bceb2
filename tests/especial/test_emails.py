"""Transactional email: sends, and logs and reports computed from them."""

from __future__ import annotations

import httpx

from tests.especial.conftest import NOW

EMAIL = {"email": "ann@example.com", "sender": {"id": "news-desk"},
         "content": {"subject": "Receipt", "html": "<p>Thanks</p>"}}


def test_a_send_answers_the_documented_shape(especial: httpx.Client) -> None:
    answer = especial.post("/emails", json=EMAIL)
    assert answer.status_code == 201
    assert answer.json() == {"email": "ann@example.com", "object": "email", "sent": True,
                             "data": {"id": 2}}


def test_an_unconfirmed_or_unknown_sender_is_refused(especial: httpx.Client) -> None:
    unconfirmed = especial.post("/emails", json={**EMAIL, "sender": {"id": "offers-desk"}})
    assert unconfirmed.status_code == 400
    assert "is not confirmed" in unconfirmed.json()["detail"][0]["msg"]
    unknown = especial.post("/emails", json={**EMAIL, "sender": {"id": "ghost"}})
    assert unknown.json()["detail"][0]["loc"] == ["body", "sender", "id"]
    empty = especial.post("/emails", json={**EMAIL, "content": {"subject": "x"}})
    assert empty.status_code == 400
    logs = especial.get("/logs/emails?log_type=all&with_count=true").json()
    assert logs["pagination"]["count"] == 1


def test_a_send_without_its_parts_is_a_422(especial: httpx.Client) -> None:
    answer = especial.post("/emails", json={"email": "ann@example.com"})
    assert answer.status_code == 422
    assert sorted(tuple(p["loc"]) for p in answer.json()["detail"]) == [
        ("body", "content"), ("body", "sender")]


def test_logs_list_the_sends(especial: httpx.Client) -> None:
    especial.post("/emails", json=EMAIL)
    especial.post("/emails", json={**EMAIL, "email": "bob@example.com", "group_id": 7})
    logs = especial.get("/logs/emails?log_type=sent").json()["data"]
    assert [(e["email"], e["type"]) for e in logs] == [
        ("ada@demo.example.com", "sent"), ("ann@example.com", "sent"),
        ("bob@example.com", "sent")]
    assert logs[-1]["group_id"] == 7 and logs[-1]["timestamp"] == NOW
    filtered = especial.get("/logs/emails?log_type=all&filter=email==bob@example.com").json()
    assert [e["email_id"] for e in filtered["data"]] == [3]
    assert especial.get("/logs/emails?log_type=open").json()["data"] == []
    recent = especial.get(f"/logs/emails?log_type=all&start_time={NOW}").json()["data"]
    assert len(recent) == 2
    assert especial.get("/logs/emails").status_code == 422


def test_the_report_counts_sends_per_day(especial: httpx.Client) -> None:
    especial.post("/emails", json=EMAIL)
    day = NOW - NOW % 86400
    report = especial.get(f"/reports/emails?start_time={day - 86400}&end_time={NOW}").json()
    assert [(r["date"], r["sent_emails"]) for r in report["data"]] == [
        (day - 86400, 1), (day, 1)]
    backwards = especial.get(f"/reports/emails?start_time={NOW}&end_time={day}")
    assert backwards.status_code == 400
    assert backwards.json()["detail"][0]["loc"] == ["query", "end_time"]
