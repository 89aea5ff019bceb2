"""Sender confirmation takes no token, as the published document says: the confirmation id,
the sandbox's stand-in for the emailed link, names the sender and so its account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp
from mailtwin.inprocess import client

from .conftest import BASE, NOW

CONFIRM = "/brands/default/senders/confirm-email"


@pytest.fixture
def control(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url="http://mailtwin.test") as http:
        yield http


def codes(control: httpx.Client) -> dict[str, dict[str, Any]]:
    """Sender confirmation codes, as the control plane's state dump lists them (exact values
    are asked for: in-process, the dump may show secrets)."""
    state = control.get("/__mailtwin/state?secrets=true").json()
    found: dict[str, dict[str, Any]] = state["shared"]["especial"]["codes"]["sender_confirm"]
    return found


def code_of(control: httpx.Client, tenant: str, sender: Any) -> str:
    return next(code for code, held in codes(control).items()
                if held == {"tenant": tenant, "id": sender})


def refusal(answer: httpx.Response) -> str:
    assert answer.status_code == 400, answer.text
    [item] = answer.json()["detail"]
    assert item["loc"] == ["body", "confirmation_id"] and item["type"] == "bad_request"
    return str(item["msg"])


def test_a_sender_confirmed_without_a_token_can_send_a_campaign(
        especial: httpx.Client, anonymous: httpx.Client, control: httpx.Client) -> None:
    made = especial.post("/brands/default/senders", json={"name": "Shop",
                                                          "email": "shop@example.com"})
    assert made.status_code == 201, made.text
    sender = made.json()["id"]
    campaign = especial.post("/campaigns", json={
        "name": "Launch", "audience": {"list_id": 1}, "sender": {"id": sender},
        "content": {"subject": "Hi", "html": "<p>Hi</p>"}}).json()["id"]
    assert "confirm it" in especial.post(f"/campaigns/{campaign}/schedule",
                                         json={"date": NOW + 600}).json()["detail"][0]["msg"]

    confirmed = anonymous.post(CONFIRM, json={
        "confirmation_id": code_of(control, "demo-token", sender)})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed"] is True and confirmed.json()["object"] == "sender"
    assert confirmed.json()["data"]["confirmed_on"] == NOW
    assert especial.get(f"/brands/default/senders/{sender}").json()["data"]["confirmed"] is True

    scheduled = especial.post(f"/campaigns/{campaign}/schedule", json={"date": NOW + 600})
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json() == {"id": campaign, "object": "campaign", "scheduled": True}


def test_a_code_is_used_once_and_a_resend_replaces_it(
        especial: httpx.Client, anonymous: httpx.Client, control: httpx.Client) -> None:
    sender = especial.post("/brands/default/senders", json={
        "name": "Shop", "email": "shop@example.com"}).json()["id"]
    first = code_of(control, "demo-token", sender)
    resent = especial.post(f"/brands/default/senders/{sender}/resend-confirmation-email")
    assert resent.status_code == 200
    second = code_of(control, "demo-token", sender)
    assert second != first
    assert "not valid" in refusal(anonymous.post(CONFIRM, json={"confirmation_id": first}))
    assert anonymous.post(CONFIRM, json={"confirmation_id": second}).status_code == 200
    assert "not valid" in refusal(anonymous.post(CONFIRM, json={"confirmation_id": second}))
    assert sender not in {held["id"] for held in codes(control).values()}


def test_a_code_confirms_its_own_account_whoever_is_logged_in(
        especial: httpx.Client, control: httpx.Client, sandbox: MailtwinApp) -> None:
    with client(sandbox, base_url=BASE, headers={"Authorization": "Bearer other"}) as other:
        resent = other.post("/brands/default/senders/offers-desk/resend-confirmation-email")
        assert resent.status_code == 200
        code = code_of(control, "other", "offers-desk")
        answer = especial.post(CONFIRM, json={"confirmation_id": code})
        assert answer.status_code == 200, answer.text
        shown = other.get("/brands/default/senders/offers-desk").json()["data"]
        assert shown["confirmed"] is True
    mine = especial.get("/brands/default/senders/offers-desk").json()["data"]
    assert mine["confirmed"] is False


def test_without_a_token_confirm_sender_id_names_no_account(
        especial: httpx.Client, anonymous: httpx.Client) -> None:
    assert "not valid" in refusal(anonymous.post(CONFIRM, json={
        "confirmation_id": "confirm-offers-desk"}))
    bad_token = {"Authorization": "Bearer "}
    assert "not valid" in refusal(anonymous.post(CONFIRM, headers=bad_token, json={
        "confirmation_id": "confirm-offers-desk"}))
    assert especial.get("/brands/default/senders/offers-desk").json()["data"][
        "confirmed"] is False
    # With the bearer token of the sender's account, the sandbox's shortcut still works.
    assert especial.post(CONFIRM, json={"confirmation_id": "confirm-offers-desk"}
                         ).status_code == 200
