"""Events of actions that move no state, or that a hook makes: a campaign suspended, resumed
or canceled, a contact tagged, a sender's confirmation, exports, users logging in and their
MFA methods, each delivered to the subscriptions of the account it happened in."""

from __future__ import annotations

from typing import Any

import httpx

from mailtwin import MailtwinApp, Sandbox
from mailtwin.inprocess import client
from mailtwin.providers.especial.mfa import totp
from mailtwin.webhooks.receiver import WebhookReceiver
from tests.webhooks.conftest import BASE, Subscribe

NOW = 1537099200
LOGIN = {"username": "owner@demo.example.com", "password": "pw"}


def _received(control: Sandbox, receiver: WebhookReceiver) -> list[tuple[str, Any]]:
    """Every delivery so far, in the order the events happened (deliveries are posted side
    by side, so they may arrive in another)."""
    control.flush_webhooks()
    assert all(d.verified and d.status == 200 for d in receiver.deliveries)
    ordered = sorted(receiver.deliveries, key=lambda d: int(d.header("x-delivery-id")[4:]))
    return [(d.json["event"], d.json["data"]) for d in ordered]


def test_suspend_resume_and_cancel_of_a_campaign(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    for event in ("Campaign.Suspended", "Campaign.Resumed", "Campaign.Canceled"):
        subscribe(event)
    assert especial.post("/campaigns/2/schedule", json={"date": NOW + 600}).status_code == 200
    for action in ("suspend", "resume", "suspend", "cancel"):
        answer = especial.post(f"/campaigns/2/{action}")
        assert answer.status_code == 200, answer.text

    received = _received(control, mailtwin_webhook_receiver)
    assert [event for event, _ in received] == [
        "Campaign.Suspended", "Campaign.Resumed", "Campaign.Suspended", "Campaign.Canceled"]
    assert [data["id"] for _, data in received] == [2, 2, 2, 2]
    assert [data["suspended"] for _, data in received] == [True, False, True, False]
    # A refused action is no event.
    assert especial.post("/campaigns/1/suspend").status_code == 400
    assert len(_received(control, mailtwin_webhook_receiver)) == 4


def test_a_contact_tagged_and_untagged_once_per_change(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("Contact.Tagged")
    subscribe("Contact.Untagged")
    contact = especial.post("/lists/1/contacts", json={"email": "tagged@example.com"}).json()
    ident = contact["data"]["id"]
    for path, tags in (("tag", ["vip"]), ("tag", ["vip"]), ("untag", ["vip"]),
                       ("untag", ["vip"])):
        answer = especial.post(f"/lists/1/contacts/{ident}/{path}", json={"tags": tags})
        assert answer.status_code == 200, answer.text

    received = _received(control, mailtwin_webhook_receiver)
    assert [event for event, _ in received] == ["Contact.Tagged", "Contact.Untagged"]
    assert [data["tags"] for _, data in received] == [["vip"], []]
    assert {data["email"] for _, data in received} == {"tagged@example.com"}


def test_a_sender_is_sent_its_confirmation_then_confirmed(
        especial: httpx.Client, control: Sandbox, subscribe: Subscribe,
        mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("Sender.ConfirmationEmailSent")
    subscribe("Sender.Confirmed")
    made = especial.post("/brands/default/senders",
                         json={"email": "new@demo.example.com", "name": "New"})
    assert made.status_code == 201, made.text
    sender = made.json()["id"]
    assert especial.post(
        f"/brands/default/senders/{sender}/resend-confirmation-email").status_code == 200
    confirmed = especial.post("/brands/default/senders/confirm-email",
                              json={"confirmation_id": f"confirm-{sender}"})
    assert confirmed.status_code == 200, confirmed.text

    received = _received(control, mailtwin_webhook_receiver)
    assert [event for event, _ in received] == [
        "Sender.ConfirmationEmailSent", "Sender.ConfirmationEmailSent", "Sender.Confirmed"]
    assert [data["confirmed"] for _, data in received] == [False, False, True]


def test_exports_made_and_deleted(especial: httpx.Client, control: Sandbox,
                                  subscribe: Subscribe,
                                  mailtwin_webhook_receiver: WebhookReceiver) -> None:
    subscribe("ContactsExport.Created")
    subscribe("ContactsExport.Deleted")
    made = especial.post("/lists/1/exports")
    assert made.status_code == 201, made.text
    ident = made.json()["id"]
    assert especial.delete(f"/lists/1/exports/{ident}").status_code == 200

    received = _received(control, mailtwin_webhook_receiver)
    assert [(event, data["id"]) for event, data in received] == [
        ("ContactsExport.Created", ident), ("ContactsExport.Deleted", ident)]


def test_logins_and_mfa_of_a_user(sandbox: MailtwinApp, control: Sandbox,
                                  mailtwin_webhook_receiver: WebhookReceiver) -> None:
    with client(sandbox, base_url=BASE) as anonymous:
        _logins_and_mfa(anonymous, control, mailtwin_webhook_receiver)


def _logins_and_mfa(anonymous: httpx.Client, control: Sandbox,
                    receiver: WebhookReceiver) -> None:
    tokens = anonymous.post("/token", data=LOGIN).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    for event in ("User.LoggedIn", "MFA.MethodAdded", "MFA.MethodActivated",
                  "MFA.RecoveryCodesViewed", "MFA.ChallengeIssued", "MFA.ChallengeCompleted",
                  "MFA.MethodDeleted"):
        hook = anonymous.post("/webhooks", headers=bearer,
                              json={"event": event, "url": f"{receiver.url}/hooks"}).json()
        receiver.keys.add(anonymous.get(f"/webhooks/{hook['data']['id']}",
                                        headers=bearer).json()["signature"]["key"])

    method = anonymous.post("/users/self/mfa", headers=bearer, json={"type": "totp"}).json()
    code = totp(method["data"]["secret"], NOW)
    assert anonymous.post(f"/users/self/mfa/{method['id']}/activate", headers=bearer,
                          json={"code": code}).status_code == 200
    assert anonymous.get("/users/self/mfa-recovery-codes", headers=bearer).status_code == 200
    challenge = anonymous.post("/token", data=LOGIN).json()["challenge"]
    done = anonymous.post("/token/challenge", json={"challenge": challenge, "code": code})
    assert done.status_code == 200, done.text
    assert anonymous.delete(f"/users/self/mfa/{method['id']}", headers=bearer).status_code == 200

    received = _received(control, receiver)
    assert [event for event, _ in received] == [
        "MFA.MethodAdded", "MFA.MethodActivated", "MFA.RecoveryCodesViewed",
        "MFA.ChallengeIssued", "MFA.ChallengeCompleted", "User.LoggedIn", "MFA.MethodDeleted"]
    users = [data for event, data in received if event.startswith(("User.", "MFA.Ch", "MFA.R"))]
    assert {data["email"] for data in users} == {LOGIN["username"]}
    methods = [data for event, data in received if event.startswith("MFA.Method")]
    assert {data["id"] for data in methods} == {method["id"]}
    assert all("secret" not in data for data in methods)
    # A plain login, with no method left, is one more User.LoggedIn.
    assert anonymous.post("/token", data=LOGIN).status_code == 200
    assert [event for event, _ in _received(control, receiver)][-1] == "User.LoggedIn"
