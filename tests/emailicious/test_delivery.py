"""A sent Emailicious delivery sends one message to each active subscriber of its mailing's
list it reaches (segments, exclusions, limit, once per mailing); hard bounces, complaints and
unsubscriptions take subscribers out of later deliveries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from mailtwin import MailtwinApp, Sandbox
from mailtwin.inprocess import client
from mailtwin.pytest_plugin import reset
from tests.conftest import SEED_TIME

from .conftest import zip_uri

PAGE = '<html><body>Hi! <a href="https://acme.example/sale">Sale</a></body></html>'
LIST_2 = ["ann+click@acme.example", "bounce@acme.example", "complaint@acme.example",
          "unsubscribe@acme.example", "pat+noengage@acme.example"]  # gone@ unsubscribed


@pytest.fixture
def control(sandbox: MailtwinApp) -> Iterator[httpx.Client]:
    with client(sandbox, base_url="http://mailtwin.test/__mailtwin") as http:
        yield http


def create(emailicious: httpx.Client, name: str, deliveries: list[dict[str, Any]],
           list_id: int = 2, **fields: Any) -> int:
    response = emailicious.post("/mailings", json={
        "list": list_id, "name": name, **fields,
        "variants": [{"subject": "Spring sale", "layout": {"zip_file": zip_uri(
            {"index.html": PAGE})}, "deliveries": deliveries}]})
    assert response.status_code == 201, response.text
    ident: int = response.json()["id"]
    return ident


def at(hour: int) -> dict[str, Any]:
    return {"scheduled_datetime": f"2018-09-16T{hour:02d}:00:00Z"}


def sent_to(control: httpx.Client, mailing: int) -> list[dict[str, Any]]:
    found = control.get("/outbox", params={"provider": "emailicious", "mailing": str(mailing),
                                           "limit": 100}).json()["messages"]
    return sorted(found, key=lambda m: m["to"])


def advance(sandbox: MailtwinApp, emailicious: httpx.Client, **delta: float) -> None:
    sandbox.runtime.clock.advance(timedelta(**delta))
    assert emailicious.get("/mailings").status_code == 200  # lets the clock's moves happen


def test_a_sent_delivery_sends_each_active_subscriber_the_variant(
        sandbox: MailtwinApp, emailicious: httpx.Client, control: httpx.Client) -> None:
    mailing = create(emailicious, "Sale", [at(13)])
    advance(sandbox, emailicious, hours=1, minutes=1)
    sent = sent_to(control, mailing)
    assert [m["to"] for m in sent] == sorted(LIST_2)
    detail = control.get(f"/outbox/{sent[0]['id']}").json()
    assert (detail["subject"], detail["html"], detail["text"]) == ("Spring sale", PAGE, None)
    assert (detail["from"], detail["from_name"], detail["reply_to"]) == (
        "news@acme.example", "Acme Store", "support@acme.example")
    assert (detail["meta"]["subscriber"], detail["meta"]["variant"]) == (1, 0)
    assert detail["headers"]["Reply-To"] == "support@acme.example"
    assert detail["sent_at"].startswith("2018-09-16T13:00:00")
    shown = emailicious.get(f"/mailings/{mailing}").json()["variants"][0]["deliveries"][0]
    assert (shown["status"], shown["sent_at"]) == ("sent", "2018-09-16T13:00:00.000Z")


def test_segments_exclusions_and_limits_choose_the_subscribers(
        sandbox: MailtwinApp, emailicious: httpx.Client, control: httpx.Client) -> None:
    in_segment = create(emailicious, "Repeat buyers", [at(13)], segments=[3])
    excluded = create(emailicious, "Others", [{**at(13), "exclusions": [3]}])
    limited = create(emailicious, "Two by two", [{**at(13), "limit": 2}, {**at(14), "limit": 2}])
    advance(sandbox, emailicious, hours=1, minutes=1)
    assert [m["to"] for m in sent_to(control, in_segment)] == [
        "ann+click@acme.example", "complaint@acme.example", "pat+noengage@acme.example"]
    assert [m["to"] for m in sent_to(control, excluded)] == [
        "bounce@acme.example", "unsubscribe@acme.example"]
    assert [m["to"] for m in sent_to(control, limited)] == [
        "ann+click@acme.example", "bounce@acme.example"]
    advance(sandbox, emailicious, hours=1)
    assert [m["to"] for m in sent_to(control, limited)] == [
        "ann+click@acme.example", "bounce@acme.example", "complaint@acme.example",
        "unsubscribe@acme.example"]


def test_bounced_complaining_and_unsubscribed_subscribers_are_skipped_later(
        sandbox: MailtwinApp, emailicious: httpx.Client, control: httpx.Client) -> None:
    first = create(emailicious, "First", [at(13)])
    advance(sandbox, emailicious, days=7)
    events = {m["to"]: m["events"] for m in sent_to(control, first)}
    assert events["bounce@acme.example"] == ["sent", "bounced"]
    assert events["ann+click@acme.example"] == ["sent", "delivered", "opened", "clicked"]
    assert "complained" in events["complaint@acme.example"]
    assert "unsubscribed" in events["unsubscribe@acme.example"]
    later = create(emailicious, "Later", [{"scheduled_datetime": "2018-09-24T09:00:00Z"}])
    advance(sandbox, emailicious, days=1)
    assert [m["to"] for m in sent_to(control, later)] == [
        "ann+click@acme.example", "pat+noengage@acme.example"]


def _run(sandbox: MailtwinApp, emailicious: httpx.Client, control: httpx.Client
         ) -> list[tuple[str, list[str]]]:
    mailing = create(emailicious, "Newsletter", [at(13)], list_id=1)
    advance(sandbox, emailicious, days=7)
    return [(m["to"], m["events"]) for m in sent_to(control, mailing)]


def test_ordinary_subscribers_get_the_same_outcome_from_the_same_seed(
        sandbox: MailtwinApp, reset_sandbox: Sandbox, emailicious: httpx.Client,
        control: httpx.Client) -> None:
    first = _run(sandbox, emailicious, control)
    assert len(first) == 24
    reset(reset_sandbox, clock=SEED_TIME)
    assert _run(sandbox, emailicious, control) == first
