"""The account, its sub-accounts (usable with ?account_id=) and account reports."""

from __future__ import annotations

import httpx

from mailtwin import MailtwinApp

SUB = {"name": "Demo Asia", "account_owner": {"first_name": "Sam", "last_name": "Sub",
                                              "email": "sam@asia.demo.example.com"}}


def _login(anonymous: httpx.Client) -> dict[str, str]:
    token = anonymous.post("/token", data={"username": "owner@demo.example.com",
                                           "password": "pw"}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_account_list_holds_the_sub_accounts_only(especial: httpx.Client) -> None:
    answer = especial.get("/accounts?with_count=true")
    assert answer.status_code == 200
    assert [a["id"] for a in answer.json()["data"]] == ["1002"]
    assert answer.json()["pagination"]["count"] == 1


def test_a_created_sub_account_is_reachable_with_account_id(anonymous: httpx.Client) -> None:
    auth = _login(anonymous)
    made = anonymous.post("/accounts?skip_verification=true", json=SUB, headers=auth)
    assert made.status_code == 201
    body = made.json()
    assert body["object"] == "account" and body["created"] is True
    assert body["email"] == "sam@asia.demo.example.com"
    assert body["data"]["parent_account_id"] == "1001"
    assert body["data"]["status"] == "active"
    ident = body["id"]
    own = anonymous.get(f"/accounts/self?account_id={ident}", headers=auth)
    assert own.status_code == 200
    assert own.json()["data"]["name"] == "Demo Asia"
    template = anonymous.post(f"/templates?account_id={ident}", headers=auth, json={
        "name": "Asia only", "content": {"type": "html", "html": "<p>x</p>"}})
    assert template.status_code == 201
    names = [t["name"] for t in anonymous.get("/templates", headers=auth).json()["data"]]
    assert "Asia only" not in names
    token = anonymous.post("/token", data={"username": "owner@demo.example.com",
                                           "password": "pw"}).json()
    assert int(ident) in token["accounts"]


def test_an_account_that_is_not_owned_is_a_403(especial: httpx.Client) -> None:
    answer = especial.get("/accounts/self?account_id=4242")
    assert answer.status_code == 403
    assert answer.json()["detail"][0]["loc"] == ["query", "account_id"]


def test_a_pending_sub_account_confirms_with_its_code(sandbox: MailtwinApp,
                                                     especial: httpx.Client,
                                                     anonymous: httpx.Client) -> None:
    ident = especial.post("/accounts", json=SUB).json()["id"]
    assert especial.get(f"/accounts/{ident}").json()["data"]["status"] == "pending"
    resent = anonymous.post("/accounts/resend-verification-email",
                            json={"email": "sam@asia.demo.example.com"})
    assert resent.json() == {"object": "account", "verification_resent": True}
    codes = sandbox.runtime.store.shared_state("especial")["codes"]["account_confirm"]
    code = next(c for c, held in codes.items() if held["id"] == ident)
    wrong = anonymous.post(f"/accounts/{ident}/confirm", json={"confirmation": "nope"})
    assert wrong.status_code == 400
    answer = anonymous.post(f"/accounts/{ident}/confirm", json={"confirmation": code})
    assert answer.status_code == 200
    assert answer.json()["confirmed"] is True
    assert answer.json()["data"]["status"] == "active"
    unknown = anonymous.post("/accounts/resend-verification-email",
                             json={"email": "nobody@demo.example.com"})
    assert unknown.status_code == 400


def test_suspend_unsuspend_and_convert_a_sub_account(especial: httpx.Client) -> None:
    suspended = especial.post("/accounts/1002/suspend")
    assert suspended.status_code == 200
    assert suspended.json()["suspended"] is True
    assert suspended.json()["data"]["status"] == "suspended"
    refused = especial.post("/accounts/1002/convert-to-organization", json={})
    assert refused.status_code == 400
    assert refused.json()["detail"][0]["msg"] == (
        "Account 1002 cannot be converted: its status is suspended.")
    acting = especial.get("/campaigns?account_id=1002")
    assert acting.status_code == 403
    assert acting.json()["detail"][0]["loc"] == ["query", "account_id"]
    back = especial.post("/accounts/1002/unsuspend")
    assert especial.get("/campaigns?account_id=1002").status_code == 200
    assert back.json()["unsuspended"] is True and back.json()["data"]["status"] == "active"
    converted = especial.post("/accounts/1002/convert-to-organization", json={})
    assert converted.json()["data"]["organization"] is True


def test_the_own_account_is_not_a_sub_account(especial: httpx.Client) -> None:
    answer = especial.post("/accounts/1001/suspend")
    assert answer.status_code == 400
    assert "/accounts/self" in answer.json()["detail"][0]["msg"]
    assert especial.delete("/accounts/1001").status_code == 400
    assert especial.get("/accounts/self").json()["data"]["status"] == "active"


def test_deleting_a_sub_account_drops_it(especial: httpx.Client) -> None:
    answer = especial.delete("/accounts/1002")
    assert answer.json() == {"id": "1002", "object": "account", "deleted": True}
    assert especial.get("/accounts/1002").status_code == 404
    assert especial.get("/campaigns?account_id=1002").status_code == 403


def test_self_can_be_edited_and_its_owner_must_be_a_user(especial: httpx.Client) -> None:
    bad = especial.patch("/accounts/self", json={"account_owner": {"user_id": 9999}})
    assert bad.status_code == 400
    assert bad.json()["detail"][0]["loc"] == ["body", "account_owner", "user_id"]
    answer = especial.patch("/accounts/self", json={"name": "Renamed",
                                                    "account_owner": {"user_id": 2002}})
    assert answer.status_code == 200
    assert answer.json()["warnings"] == []
    data = especial.get("/accounts/self").json()["data"]
    assert data["name"] == "Renamed" and data["account_owner"] == {"user_id": "2002"}


def test_the_account_report_counts_contacts_lists_and_sends(especial: httpx.Client) -> None:
    before = especial.get("/reports/accounts/self").json()["data"]
    lists = especial.get("/lists?with_count=true").json()["pagination"]["count"]
    assert before["current_lists"] == lists
    sent = especial.post("/emails", json={
        "email": "reader@mail.example.org", "sender": {"id": "news-desk"},
        "content": {"subject": "Hi", "text": "Hello"}})
    assert sent.status_code == 201
    after = especial.get("/reports/accounts/self").json()["data"]
    assert after["sent_email_emails"] == before["sent_email_emails"] + 1
    assert after["sent_emails"] == before["sent_emails"] + 1
    assert after["email_api"]["submitted"] == before["email_api"]["submitted"] + 1


def test_reports_of_other_accounts(especial: httpx.Client) -> None:
    assert especial.get("/reports/accounts/1002").status_code == 200
    missing = especial.get("/reports/accounts/4242")
    assert missing.status_code == 404
