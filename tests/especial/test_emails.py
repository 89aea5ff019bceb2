"""Transactional email: sends, and logs and reports computed from them."""

from __future__ import annotations

import httpx

from tests.especial.conftest import NOW, Clock

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
    assert logs["pagination"]["count"] == 0


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
        ("ann@example.com", "sent"), ("bob@example.com", "sent")]
    assert logs[-1]["group_id"] == 7 and logs[-1]["timestamp"] == NOW
    filtered = especial.get("/logs/emails?log_type=all&filter=email==bob@example.com").json()
    assert [e["email_id"] for e in filtered["data"]] == [3]
    assert especial.get("/logs/emails?log_type=open").json()["data"] == []
    recent = especial.get(f"/logs/emails?log_type=all&start_time={NOW}").json()["data"]
    assert len(recent) == 2
    assert especial.get(f"/logs/emails?log_type=all&start_time={NOW + 1}").json()["data"] == []
    assert especial.get("/logs/emails").status_code == 422


def test_the_report_counts_sends_per_day(especial: httpx.Client) -> None:
    especial.post("/emails", json=EMAIL)
    day = NOW - NOW % 86400
    report = especial.get(f"/reports/emails?start_time={day - 86400}&end_time={NOW}").json()
    assert [(r["date"], r["sent_emails"]) for r in report["data"]] == [
        (day - 86400, 0), (day, 1)]
    backwards = especial.get(f"/reports/emails?start_time={NOW}&end_time={day}")
    assert backwards.status_code == 400
    assert backwards.json()["detail"][0]["loc"] == ["query", "end_time"]


def test_logs_and_reports_follow_the_events_of_the_messages(
        especial: httpx.Client, clock: Clock) -> None:
    for address in ("open@example.com", "bounce@example.com", "ann+click@example.com"):
        especial.post("/emails", json={**EMAIL, "email": address, "content": {
            "subject": "Receipt", "html": '<a href="https://shop.example.com/r">receipt</a>'}})
    clock.advance(7 * 86400)
    logs = especial.get("/logs/emails?log_type=all&per_page=100").json()["data"]
    kinds = {(e["email"], e["type"]) for e in logs}
    assert {("open@example.com", "open"), ("bounce@example.com", "bounce_hb"),
            ("ann+click@example.com", "clickthru")} <= kinds
    click = next(e for e in logs if e["type"] == "clickthru")
    assert click["clickthru_url"] == "https://shop.example.com/r"
    bounces = especial.get("/logs/emails?log_type=bounce").json()["data"]
    assert [(e["email"], e["dsn_message"][:3]) for e in bounces] == [
        ("bounce@example.com", "550")]
    day = NOW - NOW % 86400
    [row] = especial.get(f"/reports/emails?start_time={day}&end_time={NOW}").json()["data"]
    assert row["sent_emails"] == 3 and row["bounce_rate"] == round(1 / 3, 4)
    assert row["open_rate"] == 1.0 and row["click_rate"] == 0.5
    again = especial.post("/emails", json={**EMAIL, "email": "bounce@example.com"})
    assert again.status_code == 400  # suppressed by its hard bounce
