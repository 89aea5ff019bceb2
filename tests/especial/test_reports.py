"""Reports and activity logs are counted from the sandbox's own sends."""

from __future__ import annotations

import csv
import io

import httpx

from tests.especial.conftest import NOW, Clock


def _deliver(http: httpx.Client, clock: Clock, campaign: int, at: int) -> None:
    assert http.post(f"/campaigns/{campaign}/schedule", json={"date": at}).status_code == 200
    clock.advance(at - NOW + 61)


def test_a_campaign_report_counts_the_events_of_its_messages(
        especial: httpx.Client, clock: Clock) -> None:
    assert especial.get("/reports/campaigns/2").json()["data"]["sent_emails"] == 0
    _deliver(especial, clock, 2, NOW + 100)
    stats = especial.get("/reports/campaigns/2").json()["data"]
    recipients = especial.get("/lists/1/contacts?filter=status==active&with_count=true"
                              ).json()["pagination"]["count"]
    assert stats["sent_emails"] == stats["active_emails"] == recipients
    assert stats["bounces"] == stats["bounces_hard"] + stats["bounces_soft"]
    assert stats["opens"] == 0  # nobody opens within the first minute
    clock.advance(7 * 86400)
    later = especial.get("/reports/campaigns/2").json()["data"]
    assert later["unique_opens"] > 0 and later["opens"] >= later["unique_opens"]
    delivered = later["sent_emails"] - later["bounces"]
    assert later["open_rate"] == round(later["unique_opens"] / delivered, 4)
    assert later["unopens"] == delivered - later["unique_opens"]
    logs = especial.get("/logs/campaigns/2?filter=type==open&with_count=true").json()
    assert logs["pagination"]["count"] == later["opens"]


def test_an_api_unsubscribe_is_no_campaign_event(especial: httpx.Client, clock: Clock) -> None:
    _deliver(especial, clock, 2, NOW + 100)
    especial.post("/lists/1/contacts/1/unsubscribe")
    assert especial.get("/reports/campaigns/2").json()["data"]["unsubscribes"] == 0
    assert especial.get("/logs/campaigns/2?filter=type==unsubscribe").json()["data"] == []


def test_campaign_logs_filter_by_time_and_type(especial: httpx.Client, clock: Clock) -> None:
    _deliver(especial, clock, 2, NOW + 100)
    clock.advance(7 * 86400)
    everything = especial.get("/logs/campaigns/2?per_page=1000").json()["data"]
    opens = especial.get("/logs/campaigns/2?filter=type==open&per_page=1000").json()["data"]
    assert opens and {e["type"] for e in opens} == {"open"}
    assert [e for e in everything if e["type"] == "open"] == opens
    assert {e["type"] for e in everything} <= {"sent", "open", "clickthru", "bounce_hb",
                                              "bounce_sb", "spam", "unsubscribe"}
    later = especial.get(f"/logs/campaigns/2?start_time={NOW + 101}&per_page=1000"
                         ).json()["data"]
    assert "sent" not in {e["type"] for e in later} and len(later) == len(everything) - sum(
        1 for e in everything if e["type"] == "sent")
    assert [e["timestamp"] for e in everything] == sorted(e["timestamp"] for e in everything)


def test_list_report_and_logs(especial: httpx.Client, clock: Clock) -> None:
    before = especial.get("/reports/lists/2").json()["data"]
    assert before["active_contacts"] == 120 and before["sent_emails"] == 0
    clock.advance(1537444800 - NOW)  # campaign 3, to list 2, is scheduled for then
    after = especial.get("/reports/lists/2").json()["data"]
    assert after["sent_emails"] == 120
    logs = especial.get("/logs/lists/2?per_page=5&with_count=true").json()
    assert logs["pagination"]["count"] == 120
    assert {e["campaign_id"] for e in logs["data"]} == {3}


def test_the_links_report_lists_the_campaign_links(especial: httpx.Client) -> None:
    especial.patch("/campaigns/2", json={"content": {
        "html": '<a href="https://a.example.com">a</a> <a href="https://b.example.com">b</a>'}})
    links = especial.get("/reports/campaigns/2/links").json()["data"]
    assert [link["link"] for link in links] == ["https://a.example.com", "https://b.example.com"]
    assert all(link["total"] == 0 for link in links)
    tracked = especial.get("/campaigns/2/links").json()["data"]
    assert [link["id"] for link in links] == [link["id"] for link in tracked]


def test_a_campaign_log_export_is_a_csv_of_its_log(especial: httpx.Client, clock: Clock) -> None:
    _deliver(especial, clock, 2, NOW + 100)
    made = especial.post("/logs/campaigns/2/exports", json={"description": "All"})
    assert made.status_code == 201
    assert made.json()["data"]["campaign_id"] == 2
    ident = made.json()["id"]
    clock.advance(5)
    url = especial.get(f"/logs/campaigns/2/exports/{ident}/download").json()["data"]["url"]
    rows = list(csv.DictReader(io.StringIO(especial.get(url).text)))
    logged = especial.get("/logs/campaigns/2?with_count=true").json()["pagination"]["count"]
    assert len(rows) == logged
    sent = especial.get("/reports/campaigns/2").json()["data"]["sent_emails"]
    assert sum(1 for r in rows if r["type"] == "sent") == sent


def test_a_list_log_export_is_a_csv_of_the_list_activity(
        especial: httpx.Client, clock: Clock) -> None:
    clock.advance(1537444800 - NOW + 61)  # campaign 3 reaches list 2
    made = especial.post("/logs/lists/2/exports", json={})
    assert made.status_code == 201 and made.json()["data"]["list_id"] == 2
    clock.advance(5)
    link = especial.get(f"/logs/lists/2/exports/{made.json()['id']}/download")
    rows = list(csv.DictReader(io.StringIO(especial.get(link.json()["data"]["url"]).text)))
    assert len(rows) == 120 and {r["campaign_id"] for r in rows} == {"3"}
    assert especial.post("/logs/lists/999/exports", json={}).status_code == 404
