"""Resource objects carry every attribute and relationship the seeds list, with the seeds'
types, in JSON:API documents served as application/vnd.api+json."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mailtwin.conventions.timestamps import parse_iso

from .conftest import JSONAPI

# The sample objects of seed 000 (Mailing) and seed 004 (Template), values as documented.
MAILING = {
    "bodyHtml": "string", "bodyText": "string", "bouncedAt": "2019-08-24T14:15:22Z",
    "clickCount": 0, "clickedAt": "2019-08-24T14:15:22Z", "createdAt": "2019-08-24T14:15:22Z",
    "deliveredAt": "2019-08-24T14:15:22Z", "errorBacktrace": "string", "errorReason": "string",
    "followUpTaskScheduledAt": "2019-08-24T14:15:22Z", "followUpTaskType": "string",
    "mailboxAddress": "string", "mailingType": "string",
    "markedAsSpamAt": "2019-08-24T14:15:22Z", "messageId": "string",
    "notifyThreadCondition": "string", "notifyThreadScheduledAt": "2019-08-24T14:15:22Z",
    "notifyThreadStatus": "string", "openCount": 0, "openedAt": "2019-08-24T14:15:22Z",
    "overrideSafetySettings": True, "references": [], "repliedAt": "2019-08-24T14:15:22Z",
    "retryAt": "2019-08-24T14:15:22Z", "retryCount": 0, "retryInterval": 0,
    "scheduledAt": "2019-08-24T14:15:22Z", "state": "string",
    "stateChangedAt": "2019-08-24T14:15:22Z", "subject": "string", "trackLinks": True,
    "trackOpens": True, "unsubscribedAt": "2019-08-24T14:15:22Z",
    "updatedAt": "2019-08-24T14:15:22Z",
}
MAILING_RELATIONSHIPS = {
    "followUpSequence": "sequence", "mailbox": "mailbox", "opportunity": "opportunity",
    "prospect": "prospect", "recipients": ["recipient"], "sequence": "sequence",
    "sequenceState": "sequenceState", "sequenceStep": "sequenceStep", "task": "task",
    "tasks": ["task"], "template": "template", "user": "user",
}
TEMPLATE = {
    "archived": True, "archivedAt": "2019-08-24T14:15:22Z", "bccRecipients": [],
    "bodyHtml": "string", "bodyText": "string", "bounceCount": 0, "ccRecipients": [],
    "clickCount": 0, "createdAt": "2019-08-24T14:15:22Z", "deliverCount": 0, "failureCount": 0,
    "lastUsedAt": "2019-08-24T14:15:22Z", "name": "string", "negativeReplyCount": 0,
    "neutralReplyCount": 0, "openCount": 0, "optOutCount": 0, "positiveReplyCount": 0,
    "replyCount": 0, "scheduleCount": 0, "shareType": "string", "subject": "string", "tags": [],
    "toRecipients": [], "trackLinks": True, "trackOpens": True,
    "updatedAt": "2019-08-24T14:15:22Z",
}
TEMPLATE_RELATIONSHIPS = {
    "attachments": ["attachment"], "contentCategoryMemberships": ["contentCategoryMembership"],
    "creator": "user", "favorites": ["favorite"], "owner": "user", "recipients": ["recipient"],
    "sequenceTemplates": ["sequenceTemplate"], "statsTarget": "template", "updater": "user",
}
STATES = {"drafted", "placeholder", "scheduled", "queued", "delivering", "delivered", "opened",
          "replied", "bounced", "failed"}


def assert_like_sample(attributes: dict[str, Any], sample: dict[str, Any]) -> None:
    """The same attribute names as the sample, each null or of the sample value's type."""
    assert set(attributes) == set(sample)
    for name, example in sample.items():
        value = attributes[name]
        if value is None:
            continue
        assert type(value) is type(example), name
        if isinstance(example, str) and example.startswith("2019-"):
            assert parse_iso(value) is not None, (name, value)


def assert_relationships(found: dict[str, Any], declared: dict[str, Any]) -> None:
    assert set(found) == set(declared)
    for name, kind in declared.items():
        data = found[name]["data"]
        if isinstance(kind, list):
            assert all(item["type"] == kind[0] for item in data), name
        else:
            assert data is None or data["type"] == kind, name


@pytest.mark.parametrize("path, sample, related, kind", [
    ("/mailings", MAILING, MAILING_RELATIONSHIPS, "mailing"),
    ("/templates", TEMPLATE, TEMPLATE_RELATIONSHIPS, "template"),
])
def test_collection_items_match_the_seed_objects(outreach: httpx.Client, path: str,
                                                 sample: dict[str, Any],
                                                 related: dict[str, Any], kind: str) -> None:
    response = outreach.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSONAPI
    document = response.json()
    assert len(document["data"]) == 50
    for item in document["data"]:
        assert item["type"] == kind
        assert isinstance(item["id"], int)
        assert item["links"]["self"] == f"http://mailtwin.test/outreach/api/v2{path}/{item['id']}"
        assert_like_sample(item["attributes"], sample)
        assert_relationships(item["relationships"], related)


def test_fixtures_hold_mailings_in_every_state(outreach: httpx.Client) -> None:
    seen = set()
    for state in sorted(STATES):
        response = outreach.get("/mailings", params={"filter[state]": state, "page[size]": 1})
        assert response.status_code == 200
        seen.update(item["attributes"]["state"] for item in response.json()["data"])
    assert seen == STATES


def test_get_by_id_answers_the_resource_object(outreach: httpx.Client) -> None:
    response = outreach.get("/mailings/1")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == 1
    assert data["attributes"]["state"] == "opened"
    assert data["attributes"]["subject"] == "Great talking today, Sam"
    assert data["relationships"]["template"] == {"data": {"type": "template", "id": 1}}
    assert data["relationships"]["recipients"] == {"data": []}
    assert "meta" not in data
    template = outreach.get("/templates/1").json()["data"]
    assert template["attributes"]["name"] == "Follow-up after a call"
    assert template["relationships"]["owner"] == {"data": {"type": "user", "id": 1}}


def test_authorization_meta_on_request(outreach: httpx.Client) -> None:
    query = {"provideAuthorizationMeta": "true"}
    template = outreach.get("/templates/1", params=query).json()["data"]
    assert template["meta"] == {"canWrite": True, "canDelete": True}
    mailing = outreach.get("/mailings", params={**query, "page[size]": 1}).json()["data"][0]
    assert mailing["meta"] == {"canWrite": True}
