"""The collections mailings and templates relate to (users, mailboxes, prospects, sequences,
their steps and states, accounts, stages, teams): the credential checks tools make before a
sync, lists and reads in JSON:API like mailings and templates, and ids that agree with what
mailings and templates point to."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mailtwin.conventions.timestamps import parse_iso

from .conftest import BASE, JSONAPI
from .test_listing import follow
from .test_refresh_tokens import bearer, cdk_refresh, tap_refresh

COUNTERS = {"scheduleCount", "deliverCount", "openCount", "clickCount", "replyCount",
            "bounceCount", "failureCount", "optOutCount"}
STAMPS = {"createdAt", "updatedAt"}
CUSTOM = {f"custom{n}" for n in range(1, 151)}
# Path -> (JSON:API type, attributes, relationships -> related type), as the reference lists.
TYPES: dict[str, tuple[str, set[str], dict[str, str]]] = {
    "/users": ("user", {"email", "firstName", "lastName", "name", "username", "title",
                        "locked", "lastSignInAt", "currentSignInAt"} | STAMPS,
               {"mailbox": "mailbox", "profile": "profile", "role": "role", "creator": "user",
                "updater": "user"}),
    "/mailboxes": ("mailbox", {"email", "emailProvider", "providerType", "sendMethod",
                               "sendDisabled", "maxEmailsPerDay", "maxMailingsPerDay",
                               "maxMailingsPerWeek", "syncDisabled", "syncFinishedAt",
                               "username"} | STAMPS,
                   {"user": "user", "creator": "user", "updater": "user"}),
    "/accounts": ("account", {"name", "domain", "websiteUrl", "industry", "numberOfEmployees",
                              "locality", "companyType", "description", "tags", "named"}
                  | CUSTOM | STAMPS, {"owner": "user", "creator": "user", "updater": "user"}),
    "/prospects": ("prospect", {"firstName", "lastName", "emails", "company", "title", "tags",
                                "engagedAt", "openCount", "clickCount", "replyCount",
                                "optedOut", "optedOutAt"}
                   | CUSTOM | STAMPS,
                   {"account": "account", "owner": "user", "stage": "stage",
                    "persona": "persona", "creator": "user", "updater": "user"}),
    "/sequences": ("sequence", {"name", "description", "enabled", "enabledAt", "locked",
                                "shareType", "sequenceType", "sequenceStepCount", "tags",
                                "lastUsedAt"} | COUNTERS | STAMPS,
                   {"owner": "user", "ruleset": "ruleset", "creator": "user",
                    "updater": "user"}),
    "/sequenceSteps": ("sequenceStep", {"displayName", "order", "stepType", "interval",
                                        "date"} | COUNTERS | STAMPS,
                       {"sequence": "sequence", "callPurpose": "callPurpose",
                        "taskPriority": "taskPriority", "creator": "user", "updater": "user"}),
    "/sequenceStates": ("sequenceState", {"state", "stateChangedAt", "activeAt", "repliedAt",
                                          "errorReason", "pauseReason"} | COUNTERS | STAMPS,
                        {"prospect": "prospect", "sequence": "sequence",
                         "sequenceStep": "sequenceStep", "mailbox": "mailbox",
                         "account": "account", "opportunity": "opportunity",
                         "creator": "user"}),
    "/stages": ("stage", {"name", "order", "color"} | STAMPS,
                {"creator": "user", "updater": "user"}),
    "/teams": ("team", {"name", "color", "scimSource"} | STAMPS,
               {"creator": "user", "updater": "user"}),
}
SERVED = {kind: path for path, (kind, _, _) in TYPES.items()} | {
    "mailing": "/mailings", "template": "/templates"}


def every(outreach: httpx.Client, path: str) -> list[dict[str, Any]]:
    return follow(outreach, path, {"page[size]": 1000})


def ids_by_type(outreach: httpx.Client) -> dict[str, set[int]]:
    return {kind: {item["id"] for item in every(outreach, path)}
            for kind, path in SERVED.items()}


def test_a_tap_checks_its_credentials_with_stages(anonymous: httpx.Client) -> None:
    headers = bearer(tap_refresh(anonymous))
    response = anonymous.get(f"{BASE}/stages", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSONAPI
    names = [item["attributes"]["name"] for item in response.json()["data"]]
    assert names[:2] == ["Cold", "Approaching"]


@pytest.mark.parametrize("query, shown", [
    ("page[size]=1", 1),
    ("page%5Bsize%5D=1", 1),
    ("sort=updatedAt&count=false&page%5Bsize%5D=1000&newFilterSyntax=true", 12),
])
def test_connectors_check_their_credentials_with_accounts(anonymous: httpx.Client, query: str,
                                                          shown: int) -> None:
    headers = bearer(cdk_refresh(anonymous))
    response = anonymous.get(f"{BASE}/accounts?{query}", headers=headers)
    assert response.status_code == 200, response.text
    document = response.json()
    assert len(document["data"]) == shown
    assert ("next" in document["links"]) == (shown == 1)
    assert ("meta" in document) == (shown == 1)


@pytest.mark.parametrize("path", sorted(TYPES))
def test_items_are_resource_objects_as_the_reference_lists(outreach: httpx.Client,
                                                           path: str) -> None:
    kind, attributes, related = TYPES[path]
    response = outreach.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSONAPI
    items = response.json()["data"]
    assert items
    for item in items:
        assert item["type"] == kind
        assert isinstance(item["id"], int)
        assert item["links"]["self"] == f"{BASE}{path}/{item['id']}"
        assert set(item["attributes"]) == attributes
        assert {name: value["data"]["type"] for name, value in item["relationships"].items()
                if value["data"] is not None}.items() <= related.items()
        assert set(item["relationships"]) == set(related)
        for stamp in STAMPS:
            assert parse_iso(item["attributes"][stamp]) is not None
    one = outreach.get(f"{path}/{items[0]['id']}")
    assert one.status_code == 200
    assert one.json() == {"data": items[0]}


@pytest.mark.parametrize("path", sorted(TYPES))
def test_lists_page_sort_and_filter_like_mailings(outreach: httpx.Client, path: str) -> None:
    everything = every(outreach, path)
    paged = follow(outreach, path, {"page[size]": 3, "sort": "-updatedAt"})
    assert len(paged) == len(everything) > 2
    stamps = [item["attributes"]["updatedAt"] for item in paged]
    assert stamps == sorted(stamps, reverse=True)
    chosen = sorted(item["id"] for item in everything)[:2]
    picked = follow(outreach, path, {"filter[id]": ",".join(map(str, chosen))})
    assert sorted(item["id"] for item in picked) == chosen
    middle = sorted(stamps)[len(stamps) // 2]
    since = follow(outreach, path, {"filter[updatedAt]": f"{middle}..inf", "sort": "updatedAt"})
    assert since
    assert all(item["attributes"]["updatedAt"] >= middle for item in since)
    assert len(since) == sum(stamp >= middle for stamp in stamps)


@pytest.mark.parametrize("path", sorted(TYPES))
def test_unknown_ids_are_404(outreach: httpx.Client, path: str) -> None:
    response = outreach.get(f"{path}/404404")
    assert response.status_code == 404
    error = response.json()["errors"][0]
    assert error["id"] == "notFound"
    assert error["detail"].endswith(" 404404 not found")


def test_what_mailings_and_templates_relate_to_exists(outreach: httpx.Client) -> None:
    known = ids_by_type(outreach)
    for path, names in (("/mailings", ("mailbox", "prospect", "sequence", "template", "user")),
                        ("/templates", ("creator", "owner", "updater"))):
        for item in every(outreach, path):
            for name in names:
                data = item["relationships"][name]["data"]
                assert data is None or data["id"] in known[data["type"]], (path, name, data)


def test_the_collections_relate_to_each_other_consistently(outreach: httpx.Client) -> None:
    known = ids_by_type(outreach)
    items = {path: {item["id"]: item for item in every(outreach, path)} for path in TYPES}
    for path, found in items.items():
        for item in found.values():
            for value in item["relationships"].values():
                data = value["data"]
                if data is not None and data["type"] in known:
                    assert data["id"] in known[data["type"]], (path, item["id"], data)
    accounts, prospects = items["/accounts"], items["/prospects"]
    for prospect in prospects.values():
        account = prospect["relationships"]["account"]["data"]["id"]
        assert prospect["attributes"]["company"] == accounts[account]["attributes"]["name"]
    steps = items["/sequenceSteps"]
    for state in items["/sequenceStates"].values():
        related = {name: value["data"] and value["data"]["id"]
                   for name, value in state["relationships"].items()}
        assert related["account"] == (
            prospects[related["prospect"]]["relationships"]["account"]["data"]["id"])
        step = steps[related["sequenceStep"]]
        assert step["relationships"]["sequence"]["data"]["id"] == related["sequence"]
    for sequence in items["/sequences"].values():
        own = [s for s in steps.values()
               if s["relationships"]["sequence"]["data"]["id"] == sequence["id"]]
        assert sequence["attributes"]["sequenceStepCount"] == len(own)
        assert sorted(s["attributes"]["order"] for s in own) == list(range(1, len(own) + 1))
    for user in items["/users"].values():
        mailbox = items["/mailboxes"][user["relationships"]["mailbox"]["data"]["id"]]
        assert mailbox["relationships"]["user"]["data"]["id"] == user["id"]


def test_mailing_one_is_sent_from_its_users_mailbox(outreach: httpx.Client) -> None:
    mailing = outreach.get("/mailings/1").json()["data"]
    mailbox = outreach.get("/mailboxes/1").json()["data"]
    user = outreach.get("/users/1").json()["data"]
    assert mailing["relationships"]["mailbox"]["data"]["id"] == 1
    assert mailbox["attributes"]["email"] == mailing["attributes"]["mailboxAddress"]
    assert user["attributes"]["email"] == mailbox["attributes"]["email"]
    assert user["attributes"]["name"] == "Avery Stone"
