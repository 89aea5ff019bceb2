"""Mailings move through their lifecycle on the sandbox clock, and template counters follow
the mailings that use the template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from mailtwin import MailtwinApp


def new_prospect(outreach: httpx.Client, email: str = "sam+noengage@example.com") -> int:
    """A prospect whose messages are delivered and never opened (a magic address)."""
    response = outreach.post("/prospects", json={"data": {"type": "prospect", "attributes": {
        "firstName": "Sam", "emails": [email]}}})
    assert response.status_code == 201, response.text
    ident: int = response.json()["data"]["id"]
    return ident


def new_mailing(outreach: httpx.Client, attributes: dict[str, Any],
                template: int | None = None, prospect: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "mailing", "attributes": attributes, "relationships": {}}
    if template is not None:
        data["relationships"]["template"] = {"data": {"type": "template", "id": template}}
    if prospect is not None:  # sent from mailbox 1, Avery Stone's
        data["relationships"]["prospect"] = {"data": {"type": "prospect", "id": prospect}}
        data["relationships"]["mailbox"] = {"data": {"type": "mailbox", "id": 1}}
    response = outreach.post("/mailings", json={"data": data})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()["data"]
    return created


def state_of(outreach: httpx.Client, ident: int) -> dict[str, Any]:
    attributes: dict[str, Any] = outreach.get(f"/mailings/{ident}").json()["data"]["attributes"]
    return attributes


def test_mailing_without_schedule_is_drafted(outreach: httpx.Client) -> None:
    created = new_mailing(outreach, {"subject": "Draft", "bodyText": "Hello"})
    attributes = created["attributes"]
    assert attributes["state"] == "drafted"
    assert attributes["stateChangedAt"] == "2018-09-16T12:00:00.000Z"
    assert attributes["createdAt"] == attributes["updatedAt"] == "2018-09-16T12:00:00.000Z"
    assert created["links"]["self"].endswith(f"/outreach/api/v2/mailings/{created['id']}")


def test_scheduled_mailing_reaches_delivered_as_the_clock_moves(
        sandbox: MailtwinApp, outreach: httpx.Client) -> None:
    clock = sandbox.runtime.clock
    created = new_mailing(outreach, {"subject": "Soon", "scheduledAt": "2018-09-16T13:00:00Z"},
                          template=1, prospect=new_prospect(outreach))
    ident = created["id"]
    assert created["attributes"]["state"] == "scheduled"
    clock.advance(timedelta(minutes=59))
    assert state_of(outreach, ident)["state"] == "scheduled"
    clock.advance(timedelta(minutes=1))
    queued = state_of(outreach, ident)
    assert queued["state"] == "queued"
    assert queued["stateChangedAt"] == "2018-09-16T13:00:00.000Z"
    clock.advance(timedelta(seconds=30))
    assert state_of(outreach, ident)["state"] == "delivering"
    clock.advance(timedelta(hours=1))
    delivered = state_of(outreach, ident)
    assert delivered["state"] == "delivered"
    # The message went out at 13:00:30; its delivered event follows within 30 seconds.
    assert "2018-09-16T13:00:31.000Z" <= delivered["deliveredAt"] <= "2018-09-16T13:01:00.000Z"
    assert delivered["stateChangedAt"] == delivered["updatedAt"] == delivered["deliveredAt"]


def test_delivered_mailings_show_in_an_updated_at_sync(sandbox: MailtwinApp,
                                                      outreach: httpx.Client) -> None:
    created = new_mailing(outreach, {"subject": "Sync", "scheduledAt": "2018-09-16T12:30:00Z"},
                          prospect=new_prospect(outreach))
    sandbox.runtime.clock.advance(timedelta(hours=1))
    response = outreach.get("/mailings", params={
        "filter[updatedAt]": "2018-09-16T12:15:00Z..inf", "sort": "updatedAt"})
    assert [(i["id"], i["attributes"]["state"]) for i in response.json()["data"]] == [
        (created["id"], "delivered")]


def test_template_counters_follow_its_mailings(sandbox: MailtwinApp,
                                               outreach: httpx.Client) -> None:
    template = outreach.post("/templates", json={"data": {
        "type": "template", "attributes": {"name": "Counted"}}}).json()["data"]
    new_mailing(outreach, {"subject": "Later", "scheduledAt": "2018-09-17T09:00:00Z"},
                template=template["id"], prospect=new_prospect(outreach))
    new_mailing(outreach, {"subject": "Never"}, template=template["id"])
    after_create = outreach.get(f"/templates/{template['id']}").json()["data"]["attributes"]
    assert after_create["scheduleCount"] == 1
    assert after_create["deliverCount"] == 0
    assert after_create["lastUsedAt"] == "2018-09-16T12:00:00.000Z"
    sandbox.runtime.clock.advance(timedelta(days=1))
    after_send = outreach.get(f"/templates/{template['id']}").json()["data"]["attributes"]
    assert after_send["scheduleCount"] == 1
    assert after_send["deliverCount"] == 1
    assert after_send["lastUsedAt"] == "2018-09-17T09:00:30.000Z"  # when it was sent


def test_state_cannot_be_set_by_the_client(outreach: httpx.Client) -> None:
    response = outreach.post("/mailings", json={"data": {
        "type": "mailing", "attributes": {"subject": "x", "state": "delivered"}}})
    assert response.status_code == 422
    assert response.json()["errors"] == [{
        "id": "readOnly", "title": "Validation Error",
        "detail": "state is read-only and cannot be set",
        "source": {"pointer": "/data/attributes/state"}}]


def test_invalid_mailing_document_changes_nothing(outreach: httpx.Client) -> None:
    before = outreach.get("/mailings", params={"page[size]": 1}).json()["meta"]["count"]
    response = outreach.post("/mailings", json={"data": {
        "type": "mailing",
        "attributes": {"scheduledAt": "tomorrow", "followUpTaskType": "call"},
        "relationships": {"template": {"data": {"type": "template", "id": 99999}}}}})
    assert response.status_code == 422
    pointers = sorted(e["source"]["pointer"] for e in response.json()["errors"])
    assert pointers == ["/data/attributes/followUpTaskType", "/data/attributes/scheduledAt"]
    unknown = outreach.post("/mailings", json={"data": {
        "type": "mailing", "attributes": {"subject": "x"},
        "relationships": {"template": {"data": {"type": "template", "id": 99999}}}}})
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["source"] == {
        "pointer": "/data/relationships/template/data/id"}
    after = outreach.get("/mailings", params={"page[size]": 1}).json()["meta"]["count"]
    assert after == before


def test_lists_show_moves_and_updates_after_being_read(sandbox: MailtwinApp,
                                                       outreach: httpx.Client) -> None:
    template = outreach.post("/templates", json={"data": {
        "type": "template", "attributes": {"name": "Cached"}}}).json()["data"]["id"]
    created = new_mailing(outreach, {"subject": "Cached", "scheduledAt": "2018-09-16T12:30:00Z"},
                          template=template, prospect=new_prospect(outreach))
    query = {"filter[id]": str(created["id"])}
    before = outreach.get("/mailings", params=query).json()["data"]
    assert before[0]["attributes"]["state"] == "scheduled"
    templates = {"filter[id]": str(template), "provideAuthorizationMeta": "true"}
    counted = outreach.get("/templates", params=templates).json()["data"][0]["attributes"]
    sandbox.runtime.clock.advance(timedelta(hours=1))
    after = outreach.get("/mailings", params=query).json()["data"]
    assert after[0]["attributes"]["state"] == "delivered"
    recounted = outreach.get("/templates", params=templates).json()["data"][0]["attributes"]
    assert recounted["deliverCount"] == counted["deliverCount"] + 1
