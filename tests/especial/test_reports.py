"""Reports and activity logs are counted from the sandbox's own sends."""

from __future__ import annotations

import csv
import io

import httpx

from tests.especial.conftest import NOW, Clock


def _deliver(http: httpx.Client, clock: Clock, campaign: int, at: int) -> None:
    assert http.post(f"/campaigns/{campaign}/schedule", json={"date": at}).status_code == 200
    clock.advance(at - NOW + 61)


def test_a_campaign_report_counts_sends_and_later_unsubscribes(
        especial: httpx.Client, clock: Clock) -> None:
    assert especial.get("/reports/campaigns/2").json()["data"]["sent_emails"] == 0
    _deliver(especial, clock, 2, NOW + 100)
    stats = especial.get("/reports/campaigns/2").json()["data"]
    recipients = especial.get("/lists/1/contacts?filter=status==active&with_count=true"
                              ).json()["pagination"]["count"]
    assert stats["sent_emails"] == stats["active_emails"] == recipients
    assert stats["unsubscribes"] == 0 and stats["opens"] == 0
    especial.post("/lists/1/contacts/1/unsubscribe")
    stats = especial.get("/reports/campaigns/2").json()["data"]
    assert stats["unsubscribes"] == 1
    assert stats["unsubscribe_rate"] == round(1 / recipients, 4)


def test_campaign_logs_filter_by_time_and_type(especial: httpx.Client, clock: Clock) -> None:
    _deliver(especial, clock, 2, NOW + 100)
    especial.post("/lists/1/contacts/1/unsubscribe")
    everything = especial.get("/logs/campaigns/2?with_count=true").json()["pagination"]["count"]
    unsubscribes = especial.get("/logs/campaigns/2?filter=type==unsubscribe").json()["data"]
    assert [(e["contact_id"], e["type"]) for e in unsubscribes] == [(1, "unsubscribe")]
    later = especial.get(f"/logs/campaigns/2?start_time={NOW + 101}").json()["data"]
    assert [e["type"] for e in later] == ["unsubscribe"]
    assert everything == especial.get("/reports/campaigns/2").json()["data"]["sent_emails"] + 1


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
    assert len(rows) == especial.get("/reports/campaigns/2").json()["data"]["sent_emails"]
    assert {r["type"] for r in rows} == {"sent"}


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
