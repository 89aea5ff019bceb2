"""Every error the Emma seed documents, with its status and Emma's `{"error": ...}` body."""

from __future__ import annotations

import base64

import httpx
import pytest

from mailtwin import MailtwinApp
from mailtwin.inprocess import client


def test_missing_credentials_are_refused(sandbox: MailtwinApp) -> None:
    with client(sandbox) as http:
        response = http.get("/emma/100/mailings")
    assert response.status_code == 401
    assert "Basic" in response.json()["error"]
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("header", ["Basic !!!", "Basic " + base64.b64encode(b"only").decode(),
                                    "Basic " + base64.b64encode(b":secret").decode(),
                                    "Bearer abc"])
def test_malformed_credentials_are_refused(sandbox: MailtwinApp, header: str) -> None:
    with client(sandbox) as http:
        response = http.get("/emma/100/mailings", headers={"Authorization": header})
    assert response.status_code == 401
    assert "error" in response.json()


@pytest.mark.parametrize("query, field", [("mailing_types=m,z", "mailing_types[1]"),
                                          ("mailing_statuses=q", "mailing_statuses[0]")])
def test_list_rejects_invalid_types_and_statuses(emma: httpx.Client, query: str,
                                                 field: str) -> None:
    response = emma.get(f"/100/mailings?{query}")
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field}: ")


@pytest.mark.parametrize("query", ["", "start_date=2018-09-16", "end_date=2018-09-17",
                                   "start_date=yesterday&end_date=2018-09-17",
                                   "start_date=2018-09-18&end_date=2018-09-17"])
def test_calendar_needs_valid_dates(emma: httpx.Client, query: str) -> None:
    response = emma.get(f"/100/calendar?{query}")
    assert response.status_code == 400
    assert "date" in response.json()["error"]


@pytest.mark.parametrize("path", ["/100/mailings/999", "/100/mailings/999/members",
                                  "/100/mailings/999/groups", "/100/mailings/999/searches",
                                  "/100/mailings/999/suppressed_searches",
                                  "/100/mailings/999/suppressed_members",
                                  "/100/mailings/999/headsup", "/100/mailings/999/messages/200",
                                  "/100/mailings/200/messages/999", "/999/mailings/200"])
def test_unknown_ids_are_404(emma: httpx.Client, path: str) -> None:
    response = emma.get(path)
    assert response.status_code == 404
    assert "not found" in response.json()["error"] or "no message" in response.json()["error"]


def test_message_type_must_be_known(emma: httpx.Client) -> None:
    response = emma.get("/100/mailings/200/messages/200?type=pdf")
    assert response.status_code == 400
    assert response.json()["error"].startswith("type: ")


@pytest.mark.parametrize("status, message", [
    ("canceled", "already in Completed or Sending status"),
    ("paused", "already in Completed or Sending status"),
    ("ready", "already in Completed or Sending status"),
])
def test_completed_mailing_cannot_change_status(emma: httpx.Client, status: str,
                                                message: str) -> None:
    response = emma.put("/100/mailings/200", json={"status": status})
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert emma.get("/100/mailings/200").json()["mailing_status"] == "c"


def test_sending_mailing_cannot_change_status(emma: httpx.Client) -> None:
    response = emma.put("/100/mailings/202", json={"status": "paused"})
    assert response.status_code == 400
    assert "Sending" in response.json()["error"]


def test_canceled_mailing_cannot_be_canceled_again(emma: httpx.Client) -> None:
    assert emma.put("/100/mailings/201", json={"status": "canceled"}).json() == "x"
    again = emma.put("/100/mailings/201", json={"status": "canceled"})
    assert again.status_code == 400
    assert "already canceled" in again.json()["error"]
    resumed = emma.put("/100/mailings/201", json={"status": "ready"})
    assert resumed.status_code == 400


@pytest.mark.parametrize("body", [{"status": "running"}, {}, {"status": 3}])
def test_invalid_status_is_refused(emma: httpx.Client, body: object) -> None:
    response = emma.put("/100/mailings/201", json=body)
    assert response.status_code == 400
    assert "status" in response.json()["error"]


def test_pending_mailing_with_a_broken_tag_cannot_change_status(emma: httpx.Client,
                                                                sandbox: MailtwinApp) -> None:
    tenant = sandbox.runtime.store.tenant("emma", "public-key")
    tenant.collections["mailing"].update(201, {"html_body": "<p>[% member:first_name</p>"})
    response = emma.put("/100/mailings/201", json={"status": "paused"})
    assert response.status_code == 400
    assert response.json()["invalid_tags"] == {"html_body": ["[% member:first_name</p>"]}
    assert emma.get("/100/mailings/201").json()["mailing_status"] == "p"


@pytest.mark.parametrize("mailing", [200, 202])
def test_cancel_endpoint_is_403_unless_pending_or_paused(emma: httpx.Client,
                                                         mailing: int) -> None:
    response = emma.delete(f"/100/mailings/cancel/{mailing}")
    assert response.status_code == 403
    assert "only pending or paused" in response.json()["error"]


def test_cancel_endpoint_is_404_for_unknown_mailing(emma: httpx.Client) -> None:
    assert emma.delete("/100/mailings/cancel/999").status_code == 404


def test_forward_of_a_message_that_does_not_exist_is_404(emma: httpx.Client) -> None:
    response = emma.post("/100/forwards/200/201", json={"recipient_emails": ["a@example.com"]})
    assert response.status_code == 404
    assert emma.get("/100/mailings?count=true").json() == 39


@pytest.mark.parametrize("body", [{}, {"recipient_emails": []},
                                  {"recipient_emails": ["not-an-email"]}])
def test_forward_needs_valid_recipients(emma: httpx.Client, body: object) -> None:
    response = emma.post("/100/forwards/200/200", json=body)
    assert response.status_code == 400
    assert "recipient_emails" in response.json()["error"]


def test_resend_to_unknown_group_is_refused_without_changes(emma: httpx.Client) -> None:
    before = emma.get("/100/mailings?count=true").json()
    response = emma.post("/100/mailings/200", json={"recipient_emails": ["new@example.com"],
                                                    "recipient_groups": [151, 9999]})
    assert response.status_code == 400
    assert "9999" in response.json()["error"]
    assert emma.get("/100/mailings?count=true").json() == before


def test_resend_needs_a_recipient(emma: httpx.Client) -> None:
    response = emma.post("/100/mailings/200", json={"sender": "Someone"})
    assert response.status_code == 400
    assert "recipient" in response.json()["error"]


def test_resend_of_unknown_mailing_is_404(emma: httpx.Client) -> None:
    response = emma.post("/100/mailings/999", json={"recipient_emails": ["a@example.com"]})
    assert response.status_code == 404


def test_validate_lists_invalid_tags_per_field(emma: httpx.Client) -> None:
    response = emma.post("/100/mailings/validate", json={
        "subject": "Hi [% member:first_name %]", "html_body": "<p>[% nope %]</p>",
        "plaintext": "[% member:last_name | \"friend\" %] and [% member: %]"})
    assert response.status_code == 400
    assert response.json()["invalid_tags"] == {"html_body": ["[% nope %]"],
                                               "plaintext": ["[% member: %]"]}


def test_winner_of_unknown_mailing_is_404(emma: httpx.Client) -> None:
    response = emma.post("/100/mailings/999/winner/203", json={})
    assert response.status_code == 404


def test_unknown_winner_is_404(emma: httpx.Client) -> None:
    response = emma.post("/100/mailings/202/winner/200", json={})
    assert response.status_code == 404
    assert "Winning mailing 200" in response.json()["error"]


def test_winner_of_a_mailing_that_is_no_split_test_is_403(emma: httpx.Client) -> None:
    response = emma.post("/100/mailings/200/winner/203", json={})
    assert response.status_code == 403
    assert "not a split test" in response.json()["error"]


def test_winner_can_be_declared_once(emma: httpx.Client) -> None:
    assert emma.post("/100/mailings/202/winner/204", json={}).json() is True
    again = emma.post("/100/mailings/202/winner/203", json={})
    assert again.status_code == 403
    detail = emma.get("/100/mailings/202").json()
    assert detail["subject"].startswith("Only this week")


@pytest.mark.parametrize("method, path, status", [
    ("PATCH", "/100/mailings/200", 405), ("GET", "/100/nothing-here", 404),
    ("POST", "/100/calendar", 405), ("GET", "/100/mailings/abc", 404)])
def test_unknown_paths_and_methods(emma: httpx.Client, method: str, path: str,
                                   status: int) -> None:
    response = emma.request(method, path)
    assert response.status_code == status
    assert "error" in response.json()


def test_malformed_json_is_400_and_changes_nothing(emma: httpx.Client) -> None:
    response = emma.put("/100/mailings/201", content=b'{"status": "paused"',
                        headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "malformed JSON" in response.json()["error"]
    assert emma.get("/100/mailings/201").json()["mailing_status"] == "p"


def test_a_refusal_names_json_values_not_python_ones(emma: httpx.Client) -> None:
    response = emma.put("/100/mailings/211", json={"status": True})
    assert response.status_code == 400
    assert response.json() == {
        "error": 'status: true is not one of ["canceled", "paused", "ready"]'}
