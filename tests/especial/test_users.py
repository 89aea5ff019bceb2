"""Users: create, self, lifecycle moves, confirmation and the password flows."""

from __future__ import annotations

import httpx

from mailtwin import MailtwinApp, credential_tenant

NEW = {"first_name": "Ann", "last_name": "Lee", "email": "ann@demo.example.com",
       "password": "long-enough"}


def _codes(app: MailtwinApp, purpose: str) -> dict[str, dict[str, object]]:
    codes: dict[str, dict[str, object]] = app.runtime.store.shared_state("especial")[
        "codes"][purpose]
    return codes


def _code_of(app: MailtwinApp, purpose: str, ident: str) -> str:
    return next(code for code, held in _codes(app, purpose).items() if held["id"] == ident)


def test_a_new_user_is_pending_and_shown_in_the_documented_answer(
        especial: httpx.Client) -> None:
    answer = especial.post("/users", json=NEW)
    assert answer.status_code == 201
    body = answer.json()
    assert body["object"] == "user" and body["created"] is True
    assert body["id"] == body["data"]["id"] == "2005"
    assert body["data"]["status"] == "pending" and "password" not in body["data"]
    assert especial.get(f"/users/{body['id']}").json()["data"]["email"] == NEW["email"]


def test_skip_verification_makes_an_active_user(especial: httpx.Client) -> None:
    answer = especial.post("/users?skip_verification=true", json=NEW)
    assert answer.json()["data"]["status"] == "active"


def test_an_address_already_used_is_a_400_and_nothing_is_added(especial: httpx.Client) -> None:
    answer = especial.post("/users", json={**NEW, "email": "Owner@demo.example.com"})
    assert answer.status_code == 400
    assert answer.json()["detail"] == [{
        "loc": ["body", "email"], "type": "bad_request",
        "msg": "a user with the address Owner@demo.example.com already exists"}]
    assert especial.get("/users?with_count=true").json()["pagination"]["count"] == 4


def test_a_user_without_its_name_is_a_422_listing_each_field(especial: httpx.Client) -> None:
    answer = especial.post("/users", json={"email": "x@demo.example.com"})
    assert answer.status_code == 422
    assert sorted(tuple(p["loc"]) for p in answer.json()["detail"]) == [
        ("body", "first_name"), ("body", "last_name")]


def test_self_is_the_user_who_logged_in(anonymous: httpx.Client) -> None:
    token = anonymous.post("/token", data={"username": "editor@demo.example.com",
                                           "password": "pw"}).json()["access_token"]
    answer = anonymous.get("/users/self", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json()["data"]["id"] == "2002"


def test_suspend_and_unsuspend_move_the_status(especial: httpx.Client) -> None:
    suspended = especial.post("/users/2002/suspend")
    assert suspended.status_code == 200
    assert suspended.json()["suspended"] is True
    assert suspended.json()["data"]["status"] == "suspended"
    again = especial.post("/users/2002/suspend")
    assert again.status_code == 400
    assert again.json()["detail"][0]["msg"] == (
        "User 2002 cannot be suspended: its status is suspended.")
    assert especial.post("/users/2002/unsuspend").json()["data"]["status"] == "active"


def test_a_user_confirms_with_the_recorded_code(sandbox: MailtwinApp, especial: httpx.Client,
                                               anonymous: httpx.Client) -> None:
    ident = especial.post("/users", json=NEW).json()["id"]
    wrong = anonymous.post(f"/users/{ident}/confirm",
                           json={"confirmation": "nope", "password": "long-enough"})
    assert wrong.status_code == 400
    assert wrong.json()["detail"][0]["loc"] == ["body", "confirmation"]
    code = _code_of(sandbox, "user_confirm", ident)
    answer = anonymous.post(f"/users/{ident}/confirm",
                            json={"confirmation": code, "password": "long-enough"})
    assert answer.status_code == 200
    assert answer.json()["confirmed"] is True and answer.json()["data"]["status"] == "active"
    assert especial.get(f"/users/{ident}").json()["data"]["status"] == "active"
    reused = anonymous.post(f"/users/{ident}/confirm",
                            json={"confirmation": code, "password": "long-enough"})
    assert reused.status_code == 400


def test_resending_the_verification_replaces_the_code(sandbox: MailtwinApp,
                                                      especial: httpx.Client) -> None:
    answer = especial.post("/users/2003/resend-verification-email")
    assert answer.status_code == 200
    assert answer.json() == {"object": "user", "confirmation_resent": True}
    first = _code_of(sandbox, "user_confirm", "2003")
    especial.post("/users/2003/resend-verification-email")
    assert _code_of(sandbox, "user_confirm", "2003") != first
    assert first not in _codes(sandbox, "user_confirm")
    active = especial.post("/users/2001/resend-verification-email")
    assert active.status_code == 400
    assert "already verified" in active.json()["detail"][0]["msg"]


def test_forgot_password_issues_a_token_that_resets_once(sandbox: MailtwinApp,
                                                         anonymous: httpx.Client) -> None:
    anonymous.post("/token", data={"username": "owner@demo.example.com", "password": "pw"})
    sent = anonymous.post("/users/forgot-my-password", json={"email": "owner@demo.example.com"})
    assert sent.status_code == 200
    assert sent.json() == {"email": "owner@demo.example.com", "object": "user",
                           "reset_link_sent": True}
    token = _code_of(sandbox, "password_reset", "2001")
    done = anonymous.post("/users/reset-password-confirm",
                          json={"token": token, "password": "a-new-secret"})
    assert done.status_code == 200
    assert done.json() == {"object": "user", "password_reset": True}
    tenant = sandbox.runtime.store.tenant(
        "especial", credential_tenant("owner@demo.example.com", "pw"))
    assert tenant.extra["passwords"]["2001"] == "a-new-secret"
    # The new password logs in to the account holding the user; the old one no longer does.
    login = {"username": "owner@demo.example.com", "password": "a-new-secret"}
    assert anonymous.post("/token", data=login).status_code == 200
    old = anonymous.post("/token", data={**login, "password": "pw"})
    assert old.status_code == 401
    again = anonymous.post("/users/reset-password-confirm",
                           json={"token": token, "password": "a-new-secret"})
    assert again.status_code == 400
    assert again.json()["detail"][0]["loc"] == ["body", "token"]


def test_a_short_new_password_is_refused(sandbox: MailtwinApp, especial: httpx.Client) -> None:
    especial.post("/users/2002/reset-password", json={})
    token = _code_of(sandbox, "password_reset", "2002")
    answer = especial.post("/users/reset-password-confirm",
                           json={"token": token, "password": "short"})
    assert answer.status_code == 400
    assert answer.json()["detail"][0]["loc"] == ["body", "password"]
    assert token in _codes(sandbox, "password_reset")


def test_reset_password_of_a_suspended_user_is_refused(especial: httpx.Client) -> None:
    answer = especial.post("/users/2004/reset-password", json={})
    assert answer.status_code == 400
    assert "its status is suspended" in answer.json()["detail"][0]["msg"]
    own = especial.post("/users/self/reset-password")
    assert own.json()["email"] == "owner@demo.example.com"


def test_the_user_logged_in_cannot_delete_itself(especial: httpx.Client) -> None:
    refused = especial.delete("/users/2001")
    assert refused.status_code == 400
    assert especial.get("/users/2001").status_code == 200
    answer = especial.delete("/users/2002")
    assert answer.json() == {"id": "2002", "object": "user", "deleted": True}
    assert especial.get("/users/2002").status_code == 404


def test_users_filter_by_status(especial: httpx.Client) -> None:
    answer = especial.get("/users?filter=status==pending")
    assert [u["id"] for u in answer.json()["data"]] == ["2003"]
    bad = especial.get("/users?filter=title==Intern")
    assert bad.status_code == 400
    assert "'title'" in bad.json()["detail"][0]["msg"]
