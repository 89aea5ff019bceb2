"""Exports and imports run as tasks that finish on the clock."""

from __future__ import annotations

import csv
import io

import httpx

from tests.especial.conftest import Clock


def test_an_export_becomes_a_csv_once_its_task_is_ready(
        especial: httpx.Client, clock: Clock) -> None:
    made = especial.post("/lists/1/exports?segment_id=2&description=London")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["object"] == "task" and body["data"]["status"] == "pending"
    ident = body["id"]
    assert especial.get(f"/tasks/{ident}").json()["data"]["status"] == "pending"
    early = especial.get(f"/lists/1/exports/{ident}/download")
    assert early.status_code == 400 and "pending" in early.json()["detail"][0]["msg"]
    clock.advance(5)
    assert especial.get(f"/tasks/{ident}").json()["data"]["status"] == "ready"
    link = especial.get(f"/lists/1/exports/{ident}/download")
    assert link.status_code == 200
    url = link.json()["data"]["url"]
    assert url.startswith("http://mailtwin.test/especial/files/")
    download = especial.get(url, headers={"Authorization": ""})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["email"] for r in rows] == ["ada@demo.example.com"]
    assert rows[0]["city"] == "London"


def test_a_whole_list_export_holds_every_contact(especial: httpx.Client, clock: Clock) -> None:
    ident = especial.post("/lists/2/exports").json()["id"]
    clock.advance(10)
    url = especial.get(f"/lists/2/exports/{ident}/download").json()["data"]["url"]
    rows = list(csv.reader(io.StringIO(especial.get(url).text)))
    assert len(rows) == 121


def test_an_unknown_file_is_404(especial: httpx.Client) -> None:
    assert especial.get("/files/unknown").status_code == 404


def test_an_export_of_an_unknown_segment_is_refused(especial: httpx.Client) -> None:
    answer = especial.post("/lists/2/exports?segment_id=1")
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["query", "segment_id"]


def test_an_import_applies_when_its_task_finishes(especial: httpx.Client, clock: Clock) -> None:
    answer = especial.post("/lists/1/import-contacts", json={"contacts": [
        {"email": "new1@example.com", "custom_attributes": [{"name": "city", "value": "Oslo"}]},
        {"email": "ada@demo.example.com", "tags": ["imported"]}]})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["object"] == "contact" and body["imported"] is True
    new_id, ada = body["id"]
    assert ada == 1
    assert especial.get(f"/lists/1/contacts/{new_id}").status_code == 404
    task = especial.get(f"/tasks/{body['import_id']}").json()["data"]
    assert task["status"] == "pending"
    clock.advance(5)
    created = especial.get(f"/lists/1/contacts/{new_id}").json()["data"]
    assert created["email"] == "new1@example.com"
    assert especial.get("/lists/1/contacts/1").json()["data"]["tags"] == ["imported"]


def test_an_import_with_an_undeclared_attribute_changes_nothing(
        especial: httpx.Client) -> None:
    before = especial.get("/tasks?with_count=true").json()["pagination"]["count"]
    answer = especial.post("/lists/1/import-contacts", json={"contacts": [
        {"email": "x@example.com"},
        {"email": "y@example.com", "custom_attributes": [{"name": "age", "value": "3"}]}]})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "contacts", "1", "custom_attributes", "0",
                                                 "name"]
    assert especial.get("/tasks?with_count=true").json()["pagination"]["count"] == before


def test_deleting_a_task_answers_it(especial: httpx.Client) -> None:
    ident = especial.post("/lists/1/exports").json()["id"]
    answer = especial.delete(f"/tasks/{ident}")
    assert answer.status_code == 200
    assert answer.json()["data"]["id"] == ident
    assert especial.get(f"/tasks/{ident}").status_code == 404


def test_every_export_shows_when_its_download_expires(especial: httpx.Client) -> None:
    made = {"contacts": especial.post("/lists/1/exports").json()["data"],
            "list log": especial.post("/logs/lists/1/exports", json={}).json()["data"],
            "campaign log": especial.post("/logs/campaigns/1/exports", json={}).json()["data"]}
    listed = especial.get("/lists/1/exports").json()["data"]
    assert all(isinstance(export["expires_on"], int) for export in (*made.values(), *listed))
    task = especial.get(f"/tasks/{made['contacts']['id']}").json()["data"]
    assert made["contacts"]["expires_on"] == task["expires_on"]


def test_a_campaigns_report_export_is_a_task_of_its_own_type(
        especial: httpx.Client, clock: Clock) -> None:
    made = especial.post("/reports/campaigns-exports", json={"description": "Q1"})
    assert made.status_code == 201, made.text
    export = made.json()["data"]
    assert export["status"] == "pending" and export["type"] == "campaignsreportsexport"
    assert export["description"] == "Q1" and export["requested_by"]["id"] == 2001
    assert especial.get(f"/tasks/{export['id']}").json()["data"]["type"] == (
        "campaignsreportsexport")
    clock.advance(5)
    shown = especial.get(f"/reports/campaigns-exports/{export['id']}").json()["data"]
    assert shown["status"] == "ready" and shown["progress"] == 100
